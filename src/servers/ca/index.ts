/**
 * The certificate authority (servers/ca): a Fulcio-compatible CA issuing short-lived code-signing
 * certificates for OIDC identities, and the deployment's trust root. See docs/ca.md.
 */
export { createCaService, MAX_REQUEST_BYTES, type CaService, type CaServiceOptions } from './service.ts';
export { loadOrCreateAuthority, type Authority, type AuthorityOptions } from './authority.ts';
export { parseIssuerSpec, createTokenVerifier, DEFAULT_AUDIENCE, type IssuerSpec, type KeyedIssuer, type TokenVerifier } from './oidc.ts';
export { DEFAULT_CERT_VALIDITY_MS } from './issue.ts';
export { caSettings, parseDuration, type CaSettings } from './config.ts';
export { principalOf, SIGSTORE_OID, GITHUB_ACTIONS_ISSUER, type Principal } from './identity.ts';
export { collectTrustMaterial, buildTrustedRoot, buildSigningConfig, TRUSTED_ROOT_MEDIA_TYPE, SIGNING_CONFIG_MEDIA_TYPE, type TrustRootInput, type TrustedRootJson, type CollectOptions, type TrustMaterial } from './trust-root.ts';

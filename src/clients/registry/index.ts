/**
 * The OCI Distribution client (pull, and the pushes signing needs): registry API (client.ts), authentication (auth.ts,
 * challenge.ts, credentials.ts), transport rules (endpoint.ts) and HTTP (http.ts).
 */
export { Authenticator, pullScope, pushScope } from './auth.ts';
export { type Challenge, parseWwwAuthenticate } from './challenge.ts';
export {
  type BlobOptions,
  MANIFEST_ACCEPT,
  type ManifestHead,
  type ManifestResponse,
  type PingResult,
  type PushedManifest,
  REFERRERS_MAX_BYTES,
  type ReferrersResult,
  RegistryClient,
  referrersTag,
  type RegistryClientOptions,
} from './client.ts';
export {
  type CredentialLookup,
  type CredentialLookupOptions,
  type RegistryCredentials,
  authFilePaths,
  findCredentials,
  lookupInAuthDocument,
  normalizeAuthKey,
  parseCreds,
} from './credentials.ts';
export { DOCKER_HUB_API_HOST, canonicalRegistryDomain, checkTransport, isLoopbackHost, registryApiHost } from './endpoint.ts';
export { DEFAULT_HTTP_OPTIONS, type FetchFunction, HttpClient, type HttpOptions, type OciErrorEntry, RegistryHttpError, parseOciErrors } from './http.ts';

/**
 * Certificate identity policy (cosign `--certificate-identity[-regexp]`,
 * `--certificate-oidc-issuer[-regexp]`). Exact string match by default; a regular expression
 * only when asked for, and then matched against the WHOLE value (sigstore-js matches unanchored,
 * so `lice@exa` would accept `alice@example.com`; Vouch does not).
 */
import { VouchError } from '../core/index.ts';

export interface IdentityPolicy {
  /** Exact subject alternative name (email, URI). */
  readonly subject?: string;
  readonly subjectRegExp?: string;
  /** Exact OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else .1.1). */
  readonly issuer?: string;
  readonly issuerRegExp?: string;
}

const MAX_REGEX_CHARS = 1024;

function compile(re: string, what: string): RegExp {
  if (re.length > MAX_REGEX_CHARS) throw new VouchError('USAGE', `${what} regex is over ${MAX_REGEX_CHARS} characters`);
  try {
    return new RegExp(`^(?:${re})$`, 'u');
  } catch (err) {
    throw new VouchError('USAGE', `${what} regex is invalid: ${(err as Error).message}`, { cause: err });
  }
}

export function assertIdentityPolicy(p: IdentityPolicy): void {
  if (p.subject === undefined && p.subjectRegExp === undefined) throw new VouchError('USAGE', 'a certificate identity (or identity regexp) is required to verify a certificate');
  if (p.issuer === undefined && p.issuerRegExp === undefined) throw new VouchError('USAGE', 'a certificate OIDC issuer (or issuer regexp) is required to verify a certificate');
  if (p.subjectRegExp !== undefined) compile(p.subjectRegExp, 'identity');
  if (p.issuerRegExp !== undefined) compile(p.issuerRegExp, 'issuer');
}

function matches(value: string | undefined, exact: string | undefined, re: string | undefined, what: string): void {
  if (value === undefined) throw new VouchError('VERIFY_IDENTITY', `identity check failed: the certificate has no ${what}`);
  if (exact !== undefined && value !== exact) throw new VouchError('VERIFY_IDENTITY', `identity check failed: ${what} is "${value}", expected "${exact}"`);
  if (re !== undefined && !compile(re, what).test(value)) throw new VouchError('VERIFY_IDENTITY', `identity check failed: ${what} "${value}" does not match /${re}/`);
}

export function checkIdentity(policy: IdentityPolicy, subject: string | undefined, issuer: string | undefined): void {
  matches(subject, policy.subject, policy.subjectRegExp, 'certificate identity');
  matches(issuer, policy.issuer, policy.issuerRegExp, 'OIDC issuer');
}

/**
 * From verified OIDC claims to what goes into the certificate: the subject alternative name, the
 * value the proof of possession signs, and the Sigstore extensions (Fulcio docs/oid-info.md).
 *
 * Fulcio's rule for the challenge: the signed value is the principal's name, which is the `email`
 * claim for email identities and the `sub` claim otherwise (GitHub workflows, URI subjects);
 * sigstore-js signs the same (email if present, else sub).
 */
import type { JWTPayload } from 'jose';
import { VouchError } from '../../core/index.ts';
import { derUtf8String } from './der.ts';

export const SIGSTORE_OID = '1.3.6.1.4.1.57264.1';
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

export interface SubjectAltName {
  readonly type: 'email' | 'url';
  readonly value: string;
}

export interface CertExtension {
  readonly oid: string;
  readonly value: Uint8Array;
}

export interface Principal {
  /** What the proof of possession signs (email or sub). */
  readonly challenge: string;
  readonly san: SubjectAltName;
  readonly issuer: string;
  readonly extensions: readonly CertExtension[];
}

const MAX_CLAIM_CHARS = 2048;

export function principalOf(claims: JWTPayload, issuer: string): Principal {
  const base = [
    // .1: the legacy issuer, the raw string bytes (not DER); .8: the issuer as a DER UTF8String.
    raw('1', issuer),
    der('8', issuer),
  ];
  if (typeof claims.job_workflow_ref === 'string') return githubPrincipal(claims, issuer, base);
  if (claims.email !== undefined) {
    const email = claimString(claims, 'email');
    // OpenID Connect Core §5.1: email_verified is a boolean; Fulcio requires it true.
    if (claims.email_verified !== true) throw rejected('the token has an email that its issuer did not verify (email_verified is not true)');
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw rejected(`email claim "${email}" is not an email address`);
    if (!isPrintableAscii(email)) throw rejected('the email claim is not ASCII (a certificate SAN is an IA5String)');
    return { challenge: email, san: { type: 'email', value: email }, issuer, extensions: base };
  }
  const sub = claimString(claims, 'sub');
  if (!isUri(sub)) throw rejected('the token has no email and its subject is not a URI, so it names no identity this CA certifies');
  return { challenge: sub, san: { type: 'url', value: sub }, issuer, extensions: base };
}

/** GitHub Actions workload identity: SAN URI = server URL + job_workflow_ref, extensions .2–.6 and .9–.22. */
function githubPrincipal(claims: JWTPayload, issuer: string, base: CertExtension[]): Principal {
  const sub = claimString(claims, 'sub');
  const server = optional(claims, 'server_url') ?? 'https://github.com';
  const s = (name: string): string | undefined => optional(claims, name);
  const url = (path: string | undefined): string | undefined => (path === undefined ? undefined : `${server}/${path}`);
  const runId = s('run_id');
  const attempt = s('run_attempt');
  const repo = s('repository');
  const exts: Array<[string, string | undefined, 'raw' | 'der']> = [
    ['2', s('event_name'), 'raw'],
    ['3', s('sha'), 'raw'],
    ['4', s('workflow'), 'raw'],
    ['5', repo, 'raw'],
    ['6', s('ref'), 'raw'],
    ['9', url(s('job_workflow_ref')), 'der'],
    ['10', s('job_workflow_sha'), 'der'],
    ['11', s('runner_environment'), 'der'],
    ['12', url(repo), 'der'],
    ['13', s('sha'), 'der'],
    ['14', s('ref'), 'der'],
    ['15', s('repository_id'), 'der'],
    ['16', url(s('repository_owner')), 'der'],
    ['17', s('repository_owner_id'), 'der'],
    ['18', url(s('workflow_ref')), 'der'],
    ['19', s('workflow_sha'), 'der'],
    ['20', s('event_name'), 'der'],
    ['21', repo !== undefined && runId !== undefined && attempt !== undefined ? `${server}/${repo}/actions/runs/${runId}/attempts/${attempt}` : undefined, 'der'],
    ['22', s('repository_visibility'), 'der'],
  ];
  const extensions = [...base];
  for (const [arc, value, kind] of exts) if (value !== undefined) extensions.push(kind === 'raw' ? raw(arc, value) : der(arc, value));
  extensions.sort((a, b) => Number(a.oid.split('.').pop()) - Number(b.oid.split('.').pop()));
  const uri = `${server}/${claimString(claims, 'job_workflow_ref')}`;
  if (!isUri(uri)) throw rejected('job_workflow_ref and server_url do not make a URI');
  return { challenge: sub, san: { type: 'url', value: uri }, issuer, extensions };
}

function raw(arc: string, value: string): CertExtension {
  return { oid: `${SIGSTORE_OID}.${arc}`, value: new Uint8Array(Buffer.from(value, 'utf8')) };
}

function der(arc: string, value: string): CertExtension {
  return { oid: `${SIGSTORE_OID}.${arc}`, value: derUtf8String(value) };
}

function claimString(claims: JWTPayload, name: string): string {
  const v = claims[name];
  if (typeof v !== 'string' || v === '') throw rejected(`the token has no "${name}" claim`);
  if (v.length > MAX_CLAIM_CHARS) throw rejected(`the "${name}" claim is over ${MAX_CLAIM_CHARS} characters`);
  return v;
}

/** A claim as a string: strings as they are, numbers (GitHub sends ids as strings, others as numbers) in decimal. */
function optional(claims: JWTPayload, name: string): string | undefined {
  const v = claims[name];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string' || v === '' || v.length > MAX_CLAIM_CHARS) return undefined;
  return v;
}

function isPrintableAscii(v: string): boolean {
  return /^[\x21-\x7e]+$/.test(v);
}

function isUri(v: string): boolean {
  if (!isPrintableAscii(v)) return false;
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v)) return false;
  return URL.canParse(v);
}

function rejected(message: string): VouchError {
  return new VouchError('CA_TOKEN_REJECTED', message);
}

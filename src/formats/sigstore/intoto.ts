/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
 * and cosign's predicate-type short names (`cosign attest --type`, sigstore/cosign
 * `pkg/cosign/attestation/attestation.go`).
 */
import { VouchError } from '../../core/index.ts';

export const STATEMENT_TYPE_V1 = 'https://in-toto.io/Statement/v1';
export const STATEMENT_TYPE_V01 = 'https://in-toto.io/Statement/v0.1';

/** cosign's `--type` short names → predicate type URIs. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = Object.freeze({
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  slsaprovenance: 'https://slsa.dev/provenance/v1',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  link: 'https://in-toto.io/Link/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns/v0.2.0',
});

export interface ResourceDescriptor {
  readonly name?: string;
  readonly digest: Readonly<Record<string, string>>;
  readonly [extra: string]: unknown;
}

export interface Statement {
  readonly _type: string;
  readonly subject: readonly ResourceDescriptor[];
  readonly predicateType: string;
  readonly predicate?: unknown;
}

/** A short name (`cyclonedx`, `slsaprovenance`, ...) or a URI → the predicate type URI. */
export function resolvePredicateType(type: string): string {
  const known = PREDICATE_TYPES[type.toLowerCase()];
  if (known !== undefined) return known;
  if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(type)) return type;
  throw new VouchError('USAGE', `unknown predicate type "${type}"`, { hint: `use a URI or one of: ${Object.keys(PREDICATE_TYPES).join(', ')}` });
}

export function makeStatement(subjects: readonly ResourceDescriptor[], predicateType: string, predicate: unknown): Statement {
  if (subjects.length === 0) throw new VouchError('USAGE', 'an in-toto statement needs at least one subject');
  return { _type: STATEMENT_TYPE_V1, subject: subjects.map((s) => ({ ...s, digest: { ...s.digest } })), predicateType: resolvePredicateType(predicateType), predicate };
}

/** Parse an in-toto statement (v1 or v0.1) from a DSSE payload; throws BUNDLE_INVALID. */
export function parseStatement(payload: Uint8Array): Statement {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new VouchError('BUNDLE_INVALID', 'the in-toto payload is not JSON');
  }
  const s = v as Partial<Statement> | null;
  if (typeof s !== 'object' || s === null) throw new VouchError('BUNDLE_INVALID', 'the in-toto payload is not an object');
  if (s._type !== STATEMENT_TYPE_V1 && s._type !== STATEMENT_TYPE_V01) throw new VouchError('BUNDLE_INVALID', `unknown in-toto statement type ${JSON.stringify(s._type)}`);
  if (!Array.isArray(s.subject) || s.subject.length === 0) throw new VouchError('BUNDLE_INVALID', 'the in-toto statement has no subject');
  for (const sub of s.subject as unknown[]) {
    const d = (sub as { digest?: unknown } | null)?.digest;
    if (typeof d !== 'object' || d === null) throw new VouchError('BUNDLE_INVALID', 'an in-toto subject has no digest');
  }
  if (typeof s.predicateType !== 'string') throw new VouchError('BUNDLE_INVALID', 'the in-toto statement has no predicateType');
  return s as Statement;
}

/** True when some subject carries this sha256 (hex, compared case-insensitively). */
export function statementHasSha256(statement: Statement, sha256Hex: string): boolean {
  const want = sha256Hex.toLowerCase();
  return statement.subject.some((s) => typeof s.digest.sha256 === 'string' && s.digest.sha256.toLowerCase() === want);
}

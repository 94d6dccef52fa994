/**
 * DSSE (Dead Simple Signing Envelope) v1, https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 * and envelope.md: the signature is over PAE(payloadType, payload), never the payload alone.
 */
import { VouchError } from '../../core/index.ts';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseSignature {
  readonly keyid?: string;
  /** base64 */
  readonly sig: string;
}

/** The JSON envelope (payload and signatures base64, as envelope.md says). */
export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

/**
 * PAE (protocol.md "Signature definition"):
 * `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal of the byte count.
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

/** True when the value looks like a bare DSSE envelope (cosign's legacy `.att` layer, grype's test files). */
export function isDsseEnvelope(value: unknown): value is DsseEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.payloadType === 'string' && typeof v.payload === 'string' && Array.isArray(v.signatures);
}

/** Validate a bare envelope's shape; throws BUNDLE_INVALID. */
export function parseDsseEnvelope(value: unknown): DsseEnvelope {
  if (!isDsseEnvelope(value)) throw new VouchError('BUNDLE_INVALID', 'not a DSSE envelope (payloadType, payload, signatures)');
  if (value.signatures.length === 0) throw new VouchError('BUNDLE_INVALID', 'DSSE envelope has no signatures');
  if (value.signatures.length > 16) throw new VouchError('BUNDLE_INVALID', 'DSSE envelope has more than 16 signatures');
  for (const s of value.signatures as readonly unknown[]) {
    const sig = (s as { sig?: unknown } | null)?.sig;
    if (typeof sig !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(sig)) throw new VouchError('BUNDLE_INVALID', 'DSSE signature is not base64');
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value.payload)) throw new VouchError('BUNDLE_INVALID', 'DSSE payload is not base64');
  return value;
}

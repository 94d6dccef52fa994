import { createHash } from 'node:crypto';

/**
 * RFC 9562 UUIDv8 from SHA-256 of `domain`, a NUL, then the content (Appendix B.2): version 8,
 * RFC variant. The domain keeps the ids of different documents (a CycloneDX serial number,
 * an SPDX namespace) apart even for the same content. For deterministic output.
 */
export function contentUuid(domain: string, content: string): string {
  const b = createHash('sha256').update(`${domain}\0`).update(content).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

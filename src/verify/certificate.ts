/**
 * Certificate path and SCT checks for Fulcio-style certificate bundles, done here instead of in
 * @sigstore/verify: its chain builder re-verifies every CA certificate of the trusted root on
 * every bundle (~30 ms per bundle on the production root). Here each CA chain of a trusted root is
 * verified once and cached; per bundle only the leaf's signature by its issuer and the SCTs are
 * checked. The rules are sigstore-js's (packages/verify/src/key/certificate.ts and sct.ts) and
 * the Sigstore client spec's: the leaf is issued by the first certificate of a trusted CA's chain,
 * every certificate of the path is valid at each verified signing time, the CA's validFor range
 * holds that time, intermediates are CAs, and at least one SCT (RFC 6962 §3.2, precertificate
 * entry over the TBS without the SCT extension) verifies with a CT log key valid at its time.
 */
import { createHash, createPublicKey, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { EXTENSION_OID_SCT, X509SCTExtension, type X509Certificate as SigstoreX509 } from '@sigstore/core';
import type { TrustMaterial } from '@sigstore/verify';
import { VouchError } from '../core/index.ts';
import { tbsWithoutSct } from './der.ts';

interface CheckedCa {
  readonly start: Date;
  readonly end: Date;
  /** Issuing certificate first, root last; verified once. */
  readonly chain: readonly NodeX509[];
  readonly ok: boolean;
  readonly issuerKeyHash: Buffer;
}

type CtLog = TrustMaterial['ctlogs'][number];

const checkedCas = new WeakMap<TrustMaterial, readonly CheckedCa[]>();

function checkCa(ca: TrustMaterial['certificateAuthorities'][number]): CheckedCa {
  const chain = ca.certChain.map((c) => new NodeX509(c.root.toDER()));
  let ok = chain.length > 0;
  for (let i = 0; ok && i < chain.length; i++) {
    const cert = chain[i] as NodeX509;
    const issuer = chain[i + 1] ?? cert; // the root is self-signed
    ok = cert.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  }
  const first = chain[0];
  return { start: ca.validFor.start, end: ca.validFor.end, chain, ok, issuerKeyHash: first ? createHash('sha256').update(first.publicKey.export({ format: 'der', type: 'spki' })).digest() : Buffer.alloc(0) };
}

function casOf(tm: TrustMaterial): readonly CheckedCa[] {
  let cas = checkedCas.get(tm);
  if (!cas) {
    cas = tm.certificateAuthorities.map(checkCa);
    checkedCas.set(tm, cas);
  }
  return cas;
}

function chainFail(msg: string): VouchError {
  return new VouchError('VERIFY_CHAIN', `verification failed (certificate chain): ${msg}`);
}

const within = (d: Date, from: Date, to: Date): boolean => from.getTime() <= d.getTime() && d.getTime() <= to.getTime();

export interface CheckedLeaf {
  readonly publicKey: KeyObject;
  /** Whether the path is valid at a verified signing time (the timestamps are checked later, by the Verifier). */
  readonly validFor: (date: Date) => boolean;
}

/** The leaf's path to a trusted CA and its SCTs. Throws VERIFY_CHAIN. */
export function checkLeaf(leaf: SigstoreX509, der: Uint8Array, tm: TrustMaterial, ctlogThreshold: number): CheckedLeaf {
  let node: NodeX509;
  try {
    node = new NodeX509(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch (err) {
    throw new VouchError('BUNDLE_INVALID', `malformed bundle: the certificate cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
  if (node.ca) throw chainFail('the signing certificate is a CA certificate');
  const issuers = casOf(tm).filter((ca) => {
    const issuer = ca.chain[0];
    return ca.ok && issuer !== undefined && node.checkIssued(issuer) && node.verify(issuer.publicKey);
  });
  if (issuers.length === 0) throw chainFail('the certificate is not issued by a trusted CA');
  const scts = verifyScts(leaf, der, issuers, tm.ctlogs);
  if (scts < ctlogThreshold) throw chainFail(scts === 0 && ctlogThreshold > 0 ? 'the certificate has no SCT' : `expected ${ctlogThreshold} SCTs, got ${scts}`);
  const notBefore = new Date(node.validFrom);
  const notAfter = new Date(node.validTo);
  return {
    publicKey: createPublicKey({ key: Buffer.from(leaf.publicKey), format: 'der', type: 'spki' }),
    validFor: (date) => within(date, notBefore, notAfter) && issuers.some((ca) => within(date, ca.start, ca.end) && ca.chain.every((c) => within(date, new Date(c.validFrom), new Date(c.validTo)))),
  };
}

/** RFC 6962 §3.2: each embedded SCT must verify with a CT log valid at its time; returns how many. */
function verifyScts(leaf: SigstoreX509, der: Uint8Array, issuers: readonly CheckedCa[], ctlogs: readonly CtLog[]): number {
  const sctExt = leaf.extensions.find((e) => e.subs[0]?.toOID() === EXTENSION_OID_SCT);
  if (!sctExt) return 0;
  const ext = new X509SCTExtension(sctExt);
  let tbs: Buffer | undefined;
  try {
    tbs = tbsWithoutSct(der);
  } catch (err) {
    throw new VouchError('BUNDLE_INVALID', `malformed bundle: the certificate's DER: ${(err as Error).message}`, { cause: err });
  }
  if (!tbs) return 0;
  const len = Buffer.from([(tbs.length >> 16) & 0xff, (tbs.length >> 8) & 0xff, tbs.length & 0xff]);
  let count = 0;
  for (const sct of ext.signedCertificateTimestamps) {
    const ok = issuers.some((ca) => {
      const preCert = Buffer.concat([ca.issuerKeyHash, len, tbs]);
      return ctlogs.some((log) => log.logID.equals(sct.logID) && within(sct.datetime, log.validFor.start, log.validFor.end) && sct.verify(preCert, log.publicKey));
    });
    if (!ok) throw chainFail('SCT verification failed');
    count++;
  }
  return count;
}

const OID_FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const OID_FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** The signer identity: SAN and OIDC issuer (Fulcio extension .8, a DER UTF8String, else the legacy .1 raw value). */
export function identityOf(leaf: SigstoreX509): { subjectAlternativeName?: string; issuer?: string } {
  const v2 = leaf.extension(OID_FULCIO_ISSUER_V2);
  const issuer = v2 ? v2.valueObj.subs[0]?.value.toString('ascii') : leaf.extension(OID_FULCIO_ISSUER_V1)?.value.toString('ascii');
  const san = leaf.subjectAltName;
  return { ...(san !== undefined ? { subjectAlternativeName: san } : {}), ...(issuer !== undefined ? { issuer } : {}) };
}

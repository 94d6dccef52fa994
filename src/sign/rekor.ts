/**
 * The transparency-log witness: upload the signature to a Rekor v1 log (through
 * clients/rekor, which verifies the SET, inclusion proof and checkpoint of what the log returns)
 * and turn the entry into a bundle `tlogEntries` item (protobuf-specs `TransparencyLogEntry`: the
 * REST API's hex log ID and hashes become base64; sigstore-js `witness/tlog/client.ts` does the same).
 * Entry kinds as cosign and sigstore-js write them: `hashedrekord` 0.0.1 for message signatures,
 * `dsse` 0.0.1 for DSSE envelopes (rekor `pkg/types/{hashedrekord,dsse}`).
 */
import { RekorClient, type LogEntry } from '../clients/index.ts';
import { VouchError } from '../core/index.ts';
import type { TlogEntryJson } from '../formats/sigstore/index.ts';
import type { SignedContent, Witness } from './bundle.ts';

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');

/** The Rekor proposed entry for a signature (what `POST /api/v1/log/entries` takes). */
export function proposedEntry(content: SignedContent): Record<string, unknown> {
  const verifier = b64(content.certificatePem ?? content.publicKeyPem);
  if (content.kind === 'messageSignature') {
    return {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: Buffer.from(content.sha256).toString('hex') } },
        signature: { content: b64(content.signature), publicKey: { content: verifier } },
      },
    };
  }
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify(content.envelope), verifiers: [verifier] } } };
}

/** A verified log entry → the bundle's JSON form. */
export function toTlogEntryJson(entry: LogEntry): TlogEntryJson {
  let body: { kind?: unknown; apiVersion?: unknown };
  try {
    body = JSON.parse(entry.body.toString('utf8')) as { kind?: unknown; apiVersion?: unknown };
  } catch {
    throw new VouchError('SIGN_FAILED', 'the log entry body is not JSON');
  }
  const kind = typeof body.kind === 'string' ? body.kind : '';
  const version = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  const p = entry.inclusionProof;
  return {
    logIndex: String(entry.logIndex),
    logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
    kindVersion: { kind, version },
    integratedTime: String(entry.integratedTime),
    inclusionPromise: { signedEntryTimestamp: entry.signedEntryTimestamp.toString('base64') },
    inclusionProof: {
      logIndex: String(p.logIndex),
      rootHash: p.rootHash.toString('base64'),
      treeSize: String(p.treeSize),
      hashes: p.hashes.map((h) => h.toString('base64')),
      checkpoint: { envelope: p.checkpoint },
    },
    canonicalizedBody: entry.body.toString('base64'),
  };
}

/** `--tlog-upload --rekor-url URL`: a witness that logs each signature in that Rekor v1 log. */
export function rekorWitness(client: RekorClient | { baseUrl: string }): Witness {
  const rekor = client instanceof RekorClient ? client : new RekorClient({ baseUrl: client.baseUrl });
  return {
    testify: async (content) => {
      const { entry } = await rekor.upload(proposedEntry(content));
      return { tlogEntries: [toTlogEntryJson(entry)] };
    },
  };
}

/**
 * `--tlog-upload`: signing through Vouch's own log (servers/log, in process on 127.0.0.1:0).
 * The bundles carry a verified entry (SET, inclusion proof, checkpoint) that Vouch and
 * @sigstore/verify both accept with a trusted root listing the log's key; a tampered entry fails.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { VouchError } from '../../../src/core/index.ts';
import { startServer, type RunningServer } from '../../../src/servers/http/index.ts';
import { createLogService } from '../../../src/servers/log/index.ts';
import { generateKeyPair, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey, makeStatement, rekorWitness, signDsseBundle, signMessageBundle } from '../../../src/sign/index.ts';
import { verifyBundle } from '../../../src/verify/index.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-sign-rekor-'));
let server: RunningServer;
let url = '';
let root: Record<string, unknown>;

before(async () => {
  const service = await createLogService({ dir: join(work, 'log'), publicUrl: () => url, env: {}, synchronous: 'NORMAL', verifyThreads: 0 });
  server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  root = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: service.log.signer.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: service.log.signer.logId.toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

test('message and DSSE bundles with a log entry verify with Vouch (log required) and @sigstore/verify', async () => {
  const pair = generateKeyPair({ password: '' });
  const key = loadPrivateKey(pair.privateKeyPem, '');
  const artifact = Buffer.from('logged artifact\n');
  const witnesses = [rekorWitness({ baseUrl: url })];
  const msg = await signMessageBundle({ artifact, key, witnesses });
  const e = msg.verificationMaterial.tlogEntries[0];
  assert.equal(e?.kindVersion.kind, 'hashedrekord');
  assert.ok(e?.inclusionProof && e.inclusionPromise);
  const v = await verifyBundle(msg, { artifact, key: pair.publicKeyPem, trustedRoot: root, requireTlog: true });
  assert.equal(v.tlogEntries.length, 1);
  assert.ok(v.tlogEntries[0]?.integratedTime instanceof Date);

  const pub = createPublicKey(pair.publicKeyPem);
  const tm = toTrustMaterial(TrustedRoot.fromJSON(root), () => ({ publicKey: pub, validFor: () => true }));
  new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(msg), artifact));

  const st = makeStatement([{ name: 'a', digest: { sha256: v.messageDigest?.hex ?? '' } }], 'slsaprovenance', {});
  const dsse = await signDsseBundle({ payload: Buffer.from(JSON.stringify(st)), payloadType: IN_TOTO_PAYLOAD_TYPE, key, witnesses });
  assert.equal(dsse.verificationMaterial.tlogEntries[0]?.kindVersion.kind, 'dsse');
  await verifyBundle(dsse, { artifact, key: pair.publicKeyPem, trustedRoot: root, requireTlog: true });
  new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 1 }).verify(toSignedEntity(bundleFromJSON(dsse)));

  // Tampering with the entry: the SET no longer verifies; without a root listing the log, neither does the entry.
  const t = structuredClone(msg) as unknown as { verificationMaterial: { tlogEntries: { integratedTime: string }[] } };
  const first = t.verificationMaterial.tlogEntries[0];
  if (first) first.integratedTime = String(Number(first.integratedTime) + 5);
  await assert.rejects(verifyBundle(t, { artifact, key: pair.publicKeyPem, trustedRoot: root }), (err: unknown) => err instanceof VouchError && err.code === 'VERIFY_SET');
  const empty = { ...root, tlogs: [] };
  await assert.rejects(verifyBundle(msg, { artifact, key: pair.publicKeyPem, trustedRoot: empty }), (err: unknown) => err instanceof VouchError && err.code === 'VERIFY_SET');
});

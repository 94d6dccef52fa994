/**
 * sigstore-js signs through Vouch's log: `@sigstore/sign` bundle builders with a key-based
 * `Signer` and `RekorWitness({rekorBaseURL})` (hashedrekord, dsse and intoto entries), and
 * `@sigstore/verify` verifies the bundles (SET, inclusion proof, checkpoint) with a trusted root
 * that lists only this log's key. A tampered bundle fails; a log key the root does not list fails.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleFromJSON, bundleToJSON, type Bundle } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { RekorClient } from '../../src/clients/index.ts';
import { startServer, type RunningServer } from '../../src/servers/http/index.ts';
import { createLogService } from '../../src/servers/log/index.ts';

const work = mkdtempSync(join(tmpdir(), 'vouch-sigstore-log-'));
let server: RunningServer;
let url = '';
let logKeyDer: Buffer;
let logId: Buffer;

const signerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signerPem = signerKey.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const signer: Signer = {
  sign: (data: Buffer) => Promise.resolve({ signature: cryptoSign('sha256', data, signerKey.privateKey), key: { $case: 'publicKey', publicKey: signerPem, hint: 'interop-key' } }),
};

before(async () => {
  const service = await createLogService({ dir: join(work, 'log'), publicUrl: () => url, env: {}, synchronous: 'NORMAL' });
  server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  url = server.url;
  logKeyDer = service.log.signer.publicKey.export({ format: 'der', type: 'spki' });
  logId = service.log.signer.logId;
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

function trustedRoot(keyDer: Buffer, id: Buffer) {
  return TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: keyDer.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2020-01-01T00:00:00Z' } },
        logId: { keyId: id.toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}

function verify(bundle: Bundle, data?: Buffer, keyDer = logKeyDer, id = logId): void {
  const tm = toTrustMaterial(trustedRoot(keyDer, id), {
    'interop-key': { rawBytes: signerKey.publicKey.export({ format: 'der', type: 'spki' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0) } },
  });
  const verifier = new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, tsaThreshold: 0 });
  // JSON round trip: what a user stores and later verifies.
  const entity = toSignedEntity(bundleFromJSON(bundleToJSON(bundle)), data);
  verifier.verify(entity);
}

test('hashedrekord: sigstore-js logs a message signature in Vouch and verifies the v0.3 bundle (SET, inclusion proof, checkpoint)', async () => {
  const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: url })] });
  const data = Buffer.from('artifact signed through the Vouch log');
  const bundle = await builder.create({ data });
  const entry = bundle.verificationMaterial.tlogEntries[0]!;
  assert.equal(entry.kindVersion?.kind, 'hashedrekord');
  assert.ok(entry.inclusionProof?.checkpoint?.envelope.includes(new URL(url).host));
  verify(bundle, data);
  assert.throws(() => verify(bundle, Buffer.from('another artifact')), (err: { code?: string }) => err.code === 'SIGNATURE_ERROR');
  // A trusted root listing another log key rejects the bundle.
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
  assert.throws(() => verify(bundle, data, other, logId), (err: { code?: string }) => /^TLOG_/.test(err.code ?? ''));
  // Signing the same artifact again is a new entry (ECDSA signatures differ); the entry reads back verified.
  const client = new RekorClient({ baseUrl: url });
  const read = await client.getByIndex(Number(entry.logIndex));
  assert.equal(read.body.toString('base64'), Buffer.from(entry.canonicalizedBody).toString('base64'));
});

test('dsse and intoto: sigstore-js logs DSSE envelopes in both kinds and verifies them', async () => {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }], predicateType: 'https://example.com/p', predicate: {} }));
  for (const entryType of ['dsse', 'intoto'] as const) {
    const builder = new DSSEBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: url, entryType })] });
    const bundle = await builder.create({ data: statement, type: 'application/vnd.in-toto+json' });
    assert.equal(bundle.verificationMaterial.tlogEntries[0]?.kindVersion?.kind, entryType);
    verify(bundle);
    // Tampering with the logged body breaks the SET and the inclusion proof.
    const json = bundleToJSON(bundle) as { verificationMaterial: { tlogEntries: { canonicalizedBody: string }[] } };
    const body = JSON.parse(Buffer.from(json.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64').toString()) as Record<string, unknown>;
    body.extra = 1;
    json.verificationMaterial.tlogEntries[0]!.canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
    assert.throws(() => verify(bundleFromJSON(json)), (err: { code?: string }) => /^TLOG_/.test(err.code ?? ''));
  }
});

/** formats/tlog against real Rekor data: conformance bundles' checkpoints, inclusion proofs, SETs and canonical bodies. */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { p256 } from '@noble/curves/nist.js';
import {
  CompactRange,
  canonicalizeProposedEntry,
  consistencyProof,
  EntryError,
  inclusionProof,
  leafHash,
  LogSigner,
  parseCheckpoint,
  parseSignedNote,
  pae,
  rootOfLeafHashes,
  treeRoot,
  verifyConsistency,
  verifyDigestSignature,
  verifyInclusion,
  verifyNoteSignature,
  verifySet,
  type NodeId,
} from '../../../../src/formats/tlog/index.ts';
import { SHARED_DATA } from '../../../helpers/catalog.ts';

const SIGSTORE = join(SHARED_DATA, 'sigstore');
const CONF = join(SIGSTORE, 'conformance', 'bundle-verify');

interface TlogEntryJson {
  logIndex: string;
  integratedTime: string;
  logId: { keyId: string };
  canonicalizedBody: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: { logIndex: string; rootHash: string; treeSize: string; hashes: string[]; checkpoint: { envelope: string } };
}
interface BundleJson {
  verificationMaterial: { tlogEntries: TlogEntryJson[]; certificate?: { rawBytes: string }; x509CertificateChain?: { certificates: { rawBytes: string }[] } };
  messageSignature?: { messageDigest: { algorithm: string; digest: string }; signature: string };
  dsseEnvelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string }[] };
}

function bundle(path: string): BundleJson {
  return JSON.parse(readFileSync(path, 'utf8')) as BundleJson;
}

function rekorKey(): KeyObject {
  const root = JSON.parse(readFileSync(join(SIGSTORE, 'trusted-roots', 'production-trusted_root.json'), 'utf8')) as {
    tlogs: { baseUrl: string; publicKey: { rawBytes: string } }[];
  };
  const tlog = root.tlogs.find((t) => t.baseUrl === 'https://rekor.sigstore.dev')!;
  return createPublicKey({ key: Buffer.from(tlog.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
}

const HAPPY = ['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3', 'happy-path-intoto-in-dsse-v3', 'managed-key-happy-path'];

test('real Rekor checkpoints verify with the production key under the name rekor.sigstore.dev; inclusion proofs and SETs verify', () => {
  const key = rekorKey();
  for (const name of HAPPY) {
    const entry = bundle(join(CONF, name, 'bundle.sigstore.json')).verificationMaterial.tlogEntries[0]!;
    const proof = entry.inclusionProof!;
    const note = parseSignedNote(proof.checkpoint.envelope);
    assert.ok(verifyNoteSignature(note, 'rekor.sigstore.dev', key), `${name}: checkpoint signature`);
    assert.ok(!verifyNoteSignature(note, 'rekor.example', key), `${name}: another name has another key id`);
    const cp = parseCheckpoint(note.text);
    assert.match(cp.origin, /^rekor\.sigstore\.dev - \d+$/);
    assert.equal(cp.size, Number(proof.treeSize));
    assert.ok(cp.rootHash.equals(Buffer.from(proof.rootHash, 'base64')));
    const leaf = leafHash(Buffer.from(entry.canonicalizedBody, 'base64'));
    const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
    assert.ok(verifyInclusion(Number(proof.logIndex), Number(proof.treeSize), leaf, hashes, cp.rootHash), `${name}: inclusion`);
    assert.ok(!verifyInclusion(Number(proof.logIndex) + 1, Number(proof.treeSize), leaf, hashes, cp.rootHash), `${name}: wrong index fails`);
    const logID = Buffer.from(entry.logId.keyId, 'base64').toString('hex');
    const set = Buffer.from(entry.inclusionPromise!.signedEntryTimestamp, 'base64');
    const payload = { body: entry.canonicalizedBody, integratedTime: Number(entry.integratedTime), logID, logIndex: Number(entry.logIndex) };
    assert.ok(verifySet(key, payload, set), `${name}: SET`);
    assert.ok(!verifySet(key, { ...payload, integratedTime: payload.integratedTime + 1 }, set));
  }
});

test('failing conformance cases: corrupted proof hash, wrong root hash and bad checkpoint signature are caught', () => {
  const key = rekorKey();
  const corrupted = bundle(join(CONF, 'inclusion-proof-corrupted-hash_fail', 'bundle.sigstore.json')).verificationMaterial.tlogEntries[0]!;
  const p = corrupted.inclusionProof!;
  assert.ok(!verifyInclusion(Number(p.logIndex), Number(p.treeSize), leafHash(Buffer.from(corrupted.canonicalizedBody, 'base64')), p.hashes.map((h) => Buffer.from(h, 'base64')), Buffer.from(p.rootHash, 'base64')));
  const badSig = bundle(join(CONF, 'invalid-checkpoint-signature_fail', 'bundle.sigstore.json')).verificationMaterial.tlogEntries[0]!;
  assert.ok(!verifyNoteSignature(parseSignedNote(badSig.inclusionProof!.checkpoint.envelope), 'rekor.sigstore.dev', key));
});

function certPem(b: BundleJson): string {
  const raw = b.verificationMaterial.certificate?.rawBytes ?? b.verificationMaterial.x509CertificateChain!.certificates[0]!.rawBytes;
  return `-----BEGIN CERTIFICATE-----\n${raw.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

test('hashedrekord: the canonical body of the proposed entry is byte-identical to what Rekor logged', () => {
  for (const name of ['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3']) {
    const b = bundle(join(CONF, name, 'bundle.sigstore.json'));
    const ms = b.messageSignature!;
    const proposed = {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: Buffer.from(ms.messageDigest.digest, 'base64').toString('hex') } },
        signature: { content: ms.signature, publicKey: { content: Buffer.from(certPem(b)).toString('base64') } },
      },
    };
    const entry = canonicalizeProposedEntry(proposed);
    assert.equal(entry.body.toString('base64'), b.verificationMaterial.tlogEntries[0]!.canonicalizedBody, name);
    assert.ok(entry.indexKeys.includes(`sha256:${proposed.spec.data.hash.value}`));
    // A flipped digest fails the signature check.
    const bad = structuredClone(proposed);
    bad.spec.data.hash.value = createHash('sha256').update('other').digest('hex');
    assert.throws(() => canonicalizeProposedEntry(bad), EntryError);
  }
});

test('intoto 0.0.2: the entry sigstore-js proposes canonicalizes to the body Rekor logged', () => {
  const b = bundle(join(SIGSTORE, 'sigstore-js', 'bundles', 'bundleV02-intoto.sigstore'));
  const env = b.dsseEnvelope!;
  // sigstore-js writes the certificate PEM without a final newline.
  const pem = certPem(b).trimEnd();
  const payload = Buffer.from(env.payload, 'base64');
  const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
  const hash = createHash('sha256')
    .update(JSON.stringify({ payload: payload.toString('base64'), payloadType: env.payloadType, signatures: [{ publicKey: pem, sig: sig.toString('base64') }] }))
    .digest('hex');
  const proposed = {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: env.payloadType,
          payload: Buffer.from(payload.toString('base64')).toString('base64'),
          signatures: [{ sig: Buffer.from(sig.toString('base64')).toString('base64'), publicKey: Buffer.from(pem).toString('base64') }],
        },
        hash: { algorithm: 'sha256', value: hash },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
      },
    },
  };
  const entry = canonicalizeProposedEntry(proposed);
  assert.equal(entry.body.toString('base64'), b.verificationMaterial.tlogEntries[0]!.canonicalizedBody);
});

test('dsse 0.0.1: payload hash, signature and verifier match what Rekor logged; the envelope hash is over the submitted JSON', () => {
  const b = bundle(join(SIGSTORE, 'sigstore-js', 'bundles', 'bundleV03-dsse.sigstore'));
  const env = b.dsseEnvelope!;
  const envelope = JSON.stringify(env);
  const entry = canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [Buffer.from(certPem(b)).toString('base64')] } } });
  const ours = JSON.parse(entry.body.toString()) as { spec: Record<string, unknown> };
  const theirs = JSON.parse(Buffer.from(b.verificationMaterial.tlogEntries[0]!.canonicalizedBody, 'base64').toString()) as { spec: Record<string, unknown> };
  assert.deepEqual(ours.spec.payloadHash, theirs.spec.payloadHash);
  assert.deepEqual(ours.spec.signatures, theirs.spec.signatures);
  assert.equal((ours.spec.envelopeHash as { value: string }).value, createHash('sha256').update(envelope).digest('hex'));
  const tampered = JSON.stringify({ ...env, payload: Buffer.from('{"tampered":true}').toString('base64') });
  assert.throws(() => canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: tampered, verifiers: [Buffer.from(certPem(b)).toString('base64')] } } }), /does not verify/);
});

test('dsse with an Ed25519 key and a hashedrekord with an RSA key verify; hostile shapes are refused', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
  const sig = cryptoSign(null, pae('application/vnd.in-toto+json', payload), privateKey).toString('base64');
  const envelope = JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: payload.toString('base64'), signatures: [{ keyid: '', sig }] });
  const keyB64 = Buffer.from(publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');
  assert.equal(canonicalizeProposedEntry({ apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope, verifiers: [keyB64] } } }).kind, 'dsse');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const artifact = Buffer.from('hello');
  const rsaSig = cryptoSign('sha256', artifact, rsa.privateKey).toString('base64');
  const rsaKey = Buffer.from(rsa.publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');
  const hr = (value: string) => ({ apiVersion: '0.0.1', kind: 'hashedrekord', spec: { data: { hash: { algorithm: 'sha256', value } }, signature: { content: rsaSig, publicKey: { content: rsaKey } } } });
  assert.equal(canonicalizeProposedEntry(hr(createHash('sha256').update(artifact).digest('hex'))).kind, 'hashedrekord');
  assert.throws(() => canonicalizeProposedEntry(hr(createHash('sha256').update('x').digest('hex'))), EntryError);
  for (const bad of [null, [], { kind: 'rekord', apiVersion: '0.0.1' }, { kind: 'hashedrekord', apiVersion: '0.0.1', spec: { data: 5 } }, hr('ZZ'), { kind: 'dsse', apiVersion: '0.0.1', spec: { proposedContent: { envelope: '{', verifiers: [] } } }]) {
    assert.throws(() => canonicalizeProposedEntry(bad), EntryError);
  }
});

function memoryStore(leaves: Buffer[]) {
  const nodes = new Map<string, Buffer>();
  const range = new CompactRange();
  for (const l of leaves) for (const n of range.append(l)) nodes.set(`${n.id.level}/${n.id.index}`, n.hash);
  const read = (ids: readonly NodeId[]) => Promise.resolve(ids.map((id) => nodes.get(`${id.level}/${id.index}`) ?? assert.fail(`missing node ${id.level}/${id.index}`)));
  return { range, read };
}

test('proofs built from stored nodes verify for every index and every pair of sizes up to 70; tampering fails', async () => {
  const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
  const { range, read } = memoryStore(leaves);
  assert.ok(range.root().equals(rootOfLeafHashes(leaves)));
  for (let size = 1; size <= leaves.length; size++) {
    const root = rootOfLeafHashes(leaves.slice(0, size));
    assert.ok((await treeRoot(size, read)).equals(root));
    for (let i = 0; i < size; i++) {
      const proof = await inclusionProof(i, size, read);
      assert.ok(verifyInclusion(i, size, leaves[i]!, proof, root), `inclusion ${i}/${size}`);
      if (proof.length > 0) assert.ok(!verifyInclusion(i, size, leaves[i]!, proof.slice(1), root));
    }
    for (let first = 1; first <= size; first++) {
      const proof = await consistencyProof(first, size, read);
      const firstRoot = rootOfLeafHashes(leaves.slice(0, first));
      assert.ok(verifyConsistency(first, size, firstRoot, root, proof), `consistency ${first}->${size}`);
      if (first < size) assert.ok(!verifyConsistency(first, size, leafHash(Buffer.from('forged')), root, proof));
    }
  }
  const loaded = await CompactRange.load(37, read);
  assert.ok(loaded.root().equals(rootOfLeafHashes(leaves.slice(0, 37))));
});

test('a log signer signs checkpoints and SETs that verify (ECDSA P-256 and Ed25519 key ids per the signed-note spec)', () => {
  for (const type of ['ec', 'ed25519'] as const) {
    const { privateKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const signer = new LogSigner(privateKey);
    const envelope = signer.signCheckpoint({ origin: 'log.example - 123', size: 5, rootHash: leafHash(Buffer.from('x')), extensions: [] }, 'log.example');
    const note = parseSignedNote(envelope);
    assert.ok(verifyNoteSignature(note, 'log.example', signer.publicKey));
    if (type === 'ec') assert.ok(note.signatures[0]!.keyId.equals(signer.logId.subarray(0, 4)));
    const payload = { body: 'e30=', integratedTime: 1, logID: signer.logId.toString('hex'), logIndex: 0 };
    assert.ok(verifySet(signer.publicKey, payload, signer.signSet(payload)));
    assert.throws(() => parseSignedNote(envelope.replace('\n\n', '\n')));
  }
});

test('prehashed ECDSA over native ECDH agrees with OpenSSL on good and bad signatures, fresh and cached keys, P-256 and P-384', () => {
  for (const [curve, alg] of [['P-256', 'sha256'], ['P-384', 'sha384']] as const) {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
    // A fresh KeyObject per call as well (the SPKI cache, not only the KeyObject one, must hold).
    const pem = publicKey.export({ format: 'pem', type: 'spki' });
    for (let i = 1; i <= 40; i++) {
      const data = Buffer.from(`message ${i}`);
      const digest = createHash(alg).update(data).digest();
      const sig = cryptoSign(alg, data, privateKey);
      const key = i % 2 === 0 ? publicKey : createPublicKey(pem);
      assert.equal(verifyDigestSignature(key, alg, digest, sig), true, `${curve} use ${i}`);
      const other = createHash(alg).update(`other ${i}`).digest();
      assert.equal(verifyDigestSignature(key, alg, other, sig), false, `${curve} use ${i}: another digest`);
    }
  }
});

test('prehashed ECDSA: the degenerate cases the native path cannot take (digest 0, u2 = n − 1) still verify exactly', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const d = BigInt(`0x${Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('hex')}`);
  const Fn = p256.Point.Fn;
  const k = 0x1234567890abcdefn;
  const r = Fn.create(p256.Point.BASE.multiply(k).toAffine().x);
  const der = (rr: bigint, ss: bigint): Buffer => Buffer.from(new p256.Signature(rr, ss).toBytes('der'));
  const hex = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
  // e = 0: s = k⁻¹·r·d, so u1 = 0.
  const s0 = Fn.mul(Fn.inv(k), Fn.mul(r, d));
  assert.equal(verifyDigestSignature(publicKey, 'sha256', hex(0n), der(r, s0)), true);
  assert.equal(verifyDigestSignature(publicKey, 'sha256', hex(1n), der(r, s0)), false);
  // s = −r: u2 = r/s = n − 1, so (u2 + 1)·Q is the point at infinity; e = −r·(k + d).
  const e = Fn.neg(Fn.mul(r, Fn.add(k, d)));
  assert.equal(verifyDigestSignature(publicKey, 'sha256', hex(e), der(r, Fn.neg(r))), true);
  assert.equal(verifyDigestSignature(publicKey, 'sha256', hex(Fn.add(e, 1n)), der(r, Fn.neg(r))), false);
});

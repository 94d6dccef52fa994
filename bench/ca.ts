/**
 * CA benchmark: signing certificates per second and p99 latency under concurrent load, and the
 * whole keyless signing round trip, against a real `vouch serve ca log` on 127.0.0.1.
 *
 *   node_modules/.bin/node bench/ca.ts [--runs 3] [--duration 10] [--connections 32] [--signs 200]
 *
 * 1. Starts `vouch serve ca log` (a child process: the server gets its own event loop, as in
 *    production) with a test OIDC issuer given as a static JWKS file (no network).
 * 2. Issuance: autocannon POSTs `/api/v2/signingCert` with a pool of 256 distinct requests (an
 *    ES256 identity token + an ECDSA P-256 key and its proof of possession each), so every
 *    request does the full work: token signature check with the cached JWKS, claims, proof of
 *    possession, a new certificate signed by the intermediate. One warm-up, then N runs; the
 *    median throughput and p99 latency are reported; any non-201 answer fails the benchmark.
 * 3. Keyless round trip: N sequential `signMessageBundle` calls with a fresh ephemeral key each:
 *    certificate from the CA, entry in the log (with its SET and inclusion proof), bundle v0.3.
 *    The log witness is sign's rekorWitness over clients/rekor (it verifies what the log returns).
 *
 * Targets (CA issue): ≥ 500 certificates/s on 2 cores; a keyless sign < 50 ms end to end.
 * Results: bench/results/ca.md (merged into BENCHMARKS.md by hand).
 */
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { fulcioCertificateProvider } from '../src/clients/index.ts';
import { rekorWitness, signingKeyFrom, signMessageBundle } from '../src/sign/index.ts';
import { verifyBundle } from '../src/verify/index.ts';
import { BenchError, machine, machineLine, mdTable, median, NODE, ROOT, runMain, WORK, writeText } from './lib/harness.ts';

const HELP = `Usage: node_modules/.bin/node bench/ca.ts [options]

  --runs N           timed issuance runs after one warm-up (default 3)
  --duration SEC     length of one issuance run (default 10)
  --connections N    concurrent connections (default 32)
  --signs N          keyless round trips measured (default 200)
  --no-write         print the results but leave bench/results/ca.md alone
  -h, --help         this text
`;

const BIN = join(ROOT, 'src', 'cli', 'bin.ts');
const DIR = join(WORK, 'ca');
const RESULTS = join(ROOT, 'bench', 'results', 'ca.md');
const ISSUER = 'https://oidc.bench.example';
const POOL = 256;

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** CPU seconds (user + system) the process has used so far (Linux /proc; clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  writeFileSync(join(DIR, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' }] }));
  mint = (email) => new SignJWT({ email, email_verified: true }).setProtectedHeader({ alg: 'ES256', kid: 'bench' }).setIssuer(ISSUER).setSubject(email).setAudience('sigstore').setIssuedAt().setExpirationTime('30m').sign(privateKey);
  const child = spawn(NODE, [BIN, 'serve', 'ca', 'log', '--listen', '127.0.0.1:0', '--json', '--quiet', '--data', join(DIR, 'data'), '--oidc-issuer', `${ISSUER}=${join(DIR, 'jwks.json')}`], {
    env: { ...process.env, VOUCH_CA_PASSWORD: 'bench', VOUCH_LOG_KEY_PASSWORD: 'bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new BenchError(`vouch serve exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let mint: (email: string) => Promise<string>;

async function requestPool(): Promise<string[]> {
  const bodies: string[] = [];
  for (let i = 0; i < POOL; i++) {
    const email = `user${i}@bench.example`;
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    bodies.push(
      JSON.stringify({
        credentials: { oidcIdentityToken: await mint(email) },
        publicKeyRequest: { publicKey: { algorithm: 'ECDSA', content: kp.publicKey.export({ type: 'spki', format: 'pem' }) }, proofOfPossession: sign('sha256', Buffer.from(email), kp.privateKey).toString('base64') },
      }),
    );
  }
  return bodies;
}

async function issuance(url: string, pid: number, bodies: readonly string[], seconds: number, connections: number): Promise<{ rps: number; p99: number; p50: number; total: number; cpuMs: number }> {
  let next = 0;
  const cpu0 = cpuSeconds(pid);
  const result = await autocannon({
    url: `${url}/api/v2/signingCert`,
    connections,
    duration: seconds,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new BenchError(`issuance: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  const cpuMs = ((cpuSeconds(pid) - cpu0) * 1000) / result.requests.total;
  return { rps: result.requests.average, p99: result.latency.p99, p50: result.latency.p50, total: result.requests.total, cpuMs };
}

async function keyless(url: string, n: number, trustedRoot: unknown): Promise<{ total: number[]; cert: number[]; log: number[] }> {
  const witness = rekorWitness({ baseUrl: url });
  const token = await mint('signer@bench.example');
  const times: number[] = [];
  const certTimes: number[] = [];
  const logTimes: number[] = [];
  const provider = fulcioCertificateProvider(url, token);
  for (let i = 0; i < n + 5; i++) {
    const data = Buffer.from(`artifact ${i}\n`);
    const t0 = performance.now();
    const key = signingKeyFrom(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const bundle = await signMessageBundle({
      key,
      artifact: data,
      certificateProvider: async (k) => {
        const c0 = performance.now();
        const chain = await provider(k);
        if (i >= 5) certTimes.push(performance.now() - c0);
        return chain;
      },
      witnesses: [
        {
          async testify(content) {
            const l0 = performance.now();
            const out = await witness.testify(content);
            if (i >= 5) logTimes.push(performance.now() - l0);
            return out;
          },
        },
      ],
    });
    const ms = performance.now() - t0;
    // Not timed: the bundle must verify (sigstore-js and Vouch agree on it in test/interop).
    if (i === 0) await verifyBundle(bundle, { artifact: data, identity: { subject: 'signer@bench.example', issuer: ISSUER }, trustedRoot });
    if (i >= 5) times.push(ms);
  }
  return { total: times, cert: certTimes, log: logTimes };
}

/** `vouch sign-blob --identity-token` as a user runs it: a new Node process each time (start-up included). */
async function cliKeyless(url: string, n: number): Promise<number[]> {
  const token = await mint('cli@bench.example');
  const file = join(DIR, 'artifact.txt');
  writeFileSync(file, 'release\n');
  const times: number[] = [];
  for (let i = 0; i < n + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(NODE, [BIN, 'sign-blob', file, '--identity-token', token, '--fulcio-url', url, '--bundle', join(DIR, 'artifact.sigstore.json')], { encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new BenchError(`vouch sign-blob failed: ${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  return times;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    allowNegative: true,
    options: {
      runs: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      signs: { type: 'string', default: '200' },
      write: { type: 'boolean', default: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [runs, duration, connections, signs] = [values.runs, values.duration, values.connections, values.signs].map(Number) as [number, number, number, number];
  for (const [name, v] of [['runs', runs], ['duration', duration], ['connections', connections], ['signs', signs]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 10_000) throw new BenchError(`--${name} must be a whole number from 1 to 10000`);
  }
  const server = await startServer();
  try {
    const bodies = await requestPool();
    process.stderr.write(`[ca] server ${server.url}; warm-up\n`);
    await issuance(server.url, server.pid, bodies, 3, connections);
    const results = [];
    for (let r = 0; r < runs; r++) {
      const res = await issuance(server.url, server.pid, bodies, duration, connections);
      process.stderr.write(`[ca] issuance run ${r + 1}: ${res.rps.toFixed(0)} certificates/s, p50 ${res.p50} ms, p99 ${res.p99} ms (${res.total} issued), server CPU ${res.cpuMs.toFixed(3)} ms per certificate, load average ${loadavg()[0]!.toFixed(1)}\n`);
      results.push(res);
    }
    const trustedRoot = (await (await fetch(`${server.url}/.well-known/sigstore/trusted_root.json`)).json());
    const { total: times, cert, log } = await keyless(server.url, signs, trustedRoot);
    const cli = await cliKeyless(server.url, 10);
    const m = machine();
    const rps = median(results.map((r) => r.rps));
    const p99 = median(results.map((r) => r.p99));
    const cpuMs = median(results.map((r) => r.cpuMs));
    const load = loadavg()[0]!;
    const kMedian = median(times);
    const k99 = percentile(times, 99);
    const md = `## Certificate authority (keyless signing)

\`node_modules/.bin/node bench/ca.ts --runs ${runs} --duration ${duration} --connections ${connections} --signs ${signs}\` on ${m.date}.
Machine: ${machineLine(m)}; 1-minute load average at the end ${load.toFixed(1)} (other work was running on the machine). Server: \`vouch serve ca log\` (one process, SQLite), client on the same host.

${mdTable(
  ['measurement', 'result', 'target'],
  [
    [`certificates issued per second (${connections} connections, median of ${runs} × ${duration} s)`, `${rps.toFixed(0)}/s`, '≥ 500/s'],
    ['issuance latency p99 (median of runs)', `${p99} ms`, ''],
    ['server CPU time per certificate (whole request: HTTP, JSON, token, proof, issuance)', `${cpuMs.toFixed(3)} ms`, ''],
    ['capacity implied by that CPU time for the one server process on one core (1000 ms / CPU per certificate)', `${(1000 / cpuMs).toFixed(0)}/s`, '≥ 500/s'],
    [`keyless sign round trip (ephemeral key → certificate → log entry → bundle), median of ${signs}`, `${kMedian.toFixed(1)} ms`, '< 50 ms'],
    ['keyless sign round trip p99', `${k99.toFixed(1)} ms`, ''],
    ['  of which: certificate request (token check, proof of possession, issuance), median', `${median(cert).toFixed(1)} ms`, ''],
    ['  of which: log entry (POST /api/v1/log/entries until the SET and proof come back), median', `${median(log).toFixed(1)} ms`, ''],
    ['`vouch sign-blob FILE --identity-token T --fulcio-url URL` (new process each time, Node start-up included), median of 10', `${median(cli).toFixed(0)} ms`, ''],
  ],
)}

Each issuance does the whole work: ES256 token check against the cached static JWKS, claims, proof
of possession (ECDSA P-256), a new leaf signed by the intermediate (ECDSA P-256). The round trip
includes the log's batching window (2 ms by default, \`log.batchWaitMs\`) and its checks of the
entry: a fresh (ephemeral) key each time, as keyless signing has it.
`;
    process.stdout.write(`${md}\n`);
    if (values.write) writeText(RESULTS, md);
    return 0;
  } finally {
    await server.stop();
  }
}

runMain('ca', main);

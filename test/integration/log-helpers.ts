/** Shared by the log integration tests: spawn `vouch serve log` from dist/, make signed entries, burst writes, check checkpoints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { RekorClient } from '../../src/clients/index.ts';
import { parseCheckpoint, parseSignedNote } from '../../src/formats/tlog/index.ts';

export const DIST_BIN = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
export const distBuilt = (): boolean => existsSync(DIST_BIN) && existsSync(new URL('../../dist/servers/log/index.js', import.meta.url).pathname);

export interface Served {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stderr: () => string;
}

export async function serveLog(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, [DIST_BIN, 'serve', 'log', '--listen', '127.0.0.1:0', '--json', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`vouch serve log exited ${code}: ${err}`)));
  });
  return { url, child, stderr: () => err };
}

export function kill9(s: Served): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill('SIGKILL');
  });
}

export async function stop(s: Served): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pubB64 = Buffer.from(key.publicKey.export({ format: 'pem', type: 'spki' })).toString('base64');

export function entries(prefix: string, n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => {
    const artifact = Buffer.from(`${prefix} ${i}`);
    return {
      apiVersion: '0.0.1',
      kind: 'hashedrekord',
      spec: {
        data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(artifact).digest('hex') } },
        signature: { content: cryptoSign('sha256', artifact, key.privateKey).toString('base64'), publicKey: { content: pubB64 } },
      },
    };
  });
}

export interface Ack {
  readonly uuid: string;
  readonly logIndex: number;
}

export interface Seen {
  readonly size: number;
  readonly rootHash: Buffer;
}

/**
 * Post `all` with `concurrency` writers spread over `urls`; record every 201 (acknowledged) and
 * every checkpoint handed out. `onAck(count)` runs after each acknowledgement (the test kills a
 * server from there). Writes that fail (server gone) are retried on the next URL a few times.
 */
export async function burst(urls: () => string[], all: readonly unknown[], concurrency: number, onAck: (count: number) => void, attempts = 6): Promise<{ acks: Ack[]; checkpoints: Seen[]; failed: number }> {
  const acks: Ack[] = [];
  const checkpoints: Seen[] = [];
  let next = 0;
  let failed = 0;
  const worker = async (w: number): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= all.length) return;
      let done = false;
      for (let attempt = 0; attempt < attempts && !done; attempt++) {
        const list = urls();
        const url = list[(w + attempt) % list.length]!;
        try {
          const r = await fetch(`${url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(all[i]) });
          const doc = (await r.json()) as Record<string, { logIndex: number; verification: { inclusionProof: { checkpoint: string } } }>;
          if (r.status === 201 || r.status === 409) {
            if (r.status === 201) {
              const [uuid, e] = Object.entries(doc)[0]!;
              acks.push({ uuid, logIndex: e.logIndex });
              const cp = parseCheckpoint(parseSignedNote(e.verification.inclusionProof.checkpoint).text);
              checkpoints.push({ size: cp.size, rootHash: cp.rootHash });
              onAck(acks.length);
            }
            done = true;
          } else {
            await new Promise((res) => setTimeout(res, 100));
          }
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      if (!done) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { acks, checkpoints, failed };
}

/** Every acknowledged entry is there at its index with verifying proofs; the current checkpoint extends every one handed out. */
export async function checkLog(url: string, acks: readonly Ack[], checkpoints: readonly Seen[]): Promise<{ size: number }> {
  const client = new RekorClient({ baseUrl: url });
  for (const a of acks) {
    const e = await client.getByUuid(a.uuid); // verifies SET, inclusion proof, checkpoint signature
    if (e.logIndex !== a.logIndex) throw new Error(`entry ${a.uuid} moved from ${a.logIndex} to ${e.logIndex}`);
  }
  const current = await client.checkpoint();
  const distinct = new Map(checkpoints.map((c) => [`${c.size}/${c.rootHash.toString('hex')}`, c]));
  for (const c of distinct.values()) await client.proveConsistency(c, current);
  const indexes = new Set(acks.map((a) => a.logIndex));
  if (indexes.size !== acks.length) throw new Error('an index was acknowledged twice');
  for (let i = 0; i < current.size; i++) {
    if (!indexes.has(i)) await client.getByIndex(i); // entries nobody saw acknowledged are still well-formed
  }
  return { size: current.size };
}

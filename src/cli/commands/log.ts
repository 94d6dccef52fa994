/**
 * `vouch log upload | get | verify-inclusion | verify-consistency | monitor`: a client of a
 * Rekor v1-compatible log (Vouch's own or Sigstore's) that verifies every proof, checkpoint and
 * signed entry timestamp it receives.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { RekorClient, verifyCheckpointNote, type LogEntry, type VerifiedCheckpoint } from '../../clients/index.ts';
import { VouchError } from '../../core/index.ts';
import { logIdOf } from '../../formats/tlog/index.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command, CommandIo } from '../command.ts';
import { writeResult } from '../output.ts';
import { createUi } from '../ui.ts';

const MAX_INPUT = 32 * 1024 * 1024;
const MAX_STATE = 1024 * 1024;

const HELP = `Usage: vouch log upload (--artifact FILE | --digest sha256:HEX) --signature FILE --public-key FILE [flags]
       vouch log upload --dsse ENVELOPE.json --public-key FILE [--intoto] [flags]
       vouch log upload --entry PROPOSED.json [flags]
       vouch log get (--uuid UUID | --index N) [flags]
       vouch log verify-inclusion (--uuid UUID | --index N) [flags]
       vouch log verify-consistency (--checkpoint FILE | --first N --root HEX) [flags]
       vouch log monitor --state FILE [--once] [--interval SECONDS] [flags]

Talk to a Rekor v1-compatible transparency log. Every answer is verified before it is shown:
the entry hashes to its UUID, the signed entry timestamp and the checkpoint are signed by the
log key, the inclusion proof leads to the checkpoint's root (RFC 9162 §2.1.3), and consistency
proofs show one checkpoint extends the other (§2.1.4).

upload              log a signature: hashedrekord (artifact or digest + signature + key),
                    dsse (a DSSE envelope + its key; --intoto for the intoto 0.0.2 kind), or any
                    proposed entry as JSON. A duplicate prints the existing entry.
get                 fetch and verify an entry
verify-inclusion    fetch an entry and verify it against the log's *current* checkpoint
verify-consistency  prove a saved checkpoint (or a size + root) is a prefix of the current tree
monitor             remember the last verified checkpoint in FILE and prove each new one
                    consistent with it (as rekor-monitor does); a fork or rewrite exits 1

Flags:
      --url URL              the log (default $VOUCH_LOG_URL, else http://127.0.0.1:8080)
      --log-public-key FILE  pin the log's PEM public key (default: fetched from the log;
                             monitor stores it in its state file and refuses a change)
      --artifact FILE        upload: the signed file (its SHA-256 is logged)
      --digest sha256:HEX    upload: the signed file's digest instead of the file
      --signature FILE       upload: the signature (raw DER or base64)
      --public-key FILE      upload: the signer's PEM public key or certificate
      --dsse FILE            upload: a DSSE envelope (JSON)
      --intoto               upload: log the envelope as intoto 0.0.2 instead of dsse 0.0.1
      --entry FILE           upload: a proposed entry as Rekor's API takes it
      --uuid UUID            get/verify-inclusion: the entry UUID (64 or 80 hex digits)
      --index N              get/verify-inclusion: the entry's log index
      --checkpoint FILE      verify-consistency: a signed checkpoint saved earlier
      --first N --root HEX   verify-consistency: a tree size and root hash you trust
      --state FILE           monitor: where the last verified checkpoint is kept
      --once                 monitor: check once and exit (for cron); default: keep watching
      --interval SECONDS     monitor: seconds between checks (default 60)
      --json                 machine-readable output on stdout
  -q, --quiet                no log lines on stderr
      --debug                details on stderr
  -h, --help                 this help

Exit codes: 0 verified; 1 a proof, signature or checkpoint does not verify, or the log forked;
2 usage; 3 the log refused or could not be reached.

Examples:
  vouch log upload --artifact app.tar.gz --signature app.sig --public-key cosign.pub
  vouch log upload --dsse attestation.json --public-key cosign.pub --json
  vouch log get --index 42 --url https://log.example.com
  vouch log verify-inclusion --uuid 8f2c…e1
  vouch log verify-consistency --checkpoint saved-checkpoint.txt
  vouch log monitor --state /var/lib/vouch/log-monitor.json --once
`;

async function readInput(path: string, what: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new VouchError('IO_ERROR', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (buf.length > MAX_INPUT) throw new VouchError('LIMIT_EXCEEDED', `${what} ${path} is over ${MAX_INPUT} bytes`);
  return buf;
}

function parseJson(buf: Buffer, what: string): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new VouchError('PARSE_ERROR', `${what} is not JSON: ${(err as Error).message}`);
  }
}

function signatureBytes(buf: Buffer): Buffer {
  const text = buf.toString('latin1').trim();
  // cosign writes base64; raw DER starts with 0x30.
  if (buf[0] !== 0x30 && /^[A-Za-z0-9+/]+=*$/.test(text)) return Buffer.from(text, 'base64');
  return buf;
}

async function proposedEntry(values: Record<string, string | boolean | undefined>): Promise<unknown> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  if (str('entry') !== undefined) return parseJson(await readInput(str('entry')!, 'entry'), 'the entry');
  const keyFile = str('public-key');
  if (keyFile === undefined) throw new VouchError('USAGE', 'upload needs --public-key (or --entry)');
  const keyPem = (await readInput(keyFile, 'public key')).toString('utf8');
  const keyB64 = Buffer.from(keyPem).toString('base64');
  if (str('dsse') !== undefined) {
    const envText = (await readInput(str('dsse')!, 'DSSE envelope')).toString('utf8');
    const env = parseJson(Buffer.from(envText), 'the DSSE envelope') as { payload?: unknown; payloadType?: unknown; signatures?: { sig?: unknown; keyid?: unknown }[] };
    if (values.intoto !== true) return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: envText, verifiers: [keyB64] } } };
    if (typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures) || typeof env.signatures[0]?.sig !== 'string') {
      throw new VouchError('PARSE_ERROR', 'the DSSE envelope needs payload, payloadType and signatures[0].sig');
    }
    const first = env.signatures[0];
    const keyid = typeof first.keyid === 'string' && first.keyid !== '' ? first.keyid : undefined;
    const payload = Buffer.from(env.payload, 'base64');
    // The envelope hash as sigstore-js computes it (canonical JSON of the re-encoded envelope).
    const canon = JSON.stringify({ payload: payload.toString('base64'), payloadType: env.payloadType, signatures: [{ ...(keyid === undefined ? {} : { keyid }), publicKey: keyPem, sig: first.sig as string }] });
    return {
      apiVersion: '0.0.2',
      kind: 'intoto',
      spec: {
        content: {
          envelope: {
            payloadType: env.payloadType,
            payload: Buffer.from(payload.toString('base64')).toString('base64'),
            signatures: [{ ...(keyid === undefined ? {} : { keyid }), sig: Buffer.from(first.sig as string).toString('base64'), publicKey: keyB64 }],
          },
          hash: { algorithm: 'sha256', value: createHash('sha256').update(canon).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
        },
      },
    };
  }
  const sigFile = str('signature');
  if (sigFile === undefined) throw new VouchError('USAGE', 'upload needs --signature with --artifact/--digest');
  let digest: string;
  if (str('digest') !== undefined) {
    const m = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(str('digest')!);
    if (m === null) throw new VouchError('USAGE', '--digest must be sha256:<64 hex digits>');
    digest = m[1]!.toLowerCase();
  } else if (str('artifact') !== undefined) {
    digest = createHash('sha256').update(await readInput(str('artifact')!, 'artifact')).digest('hex');
  } else {
    throw new VouchError('USAGE', 'upload needs --artifact, --digest, --dsse or --entry');
  }
  const sig = signatureBytes(await readInput(sigFile, 'signature'));
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: digest } }, signature: { content: sig.toString('base64'), publicKey: { content: keyB64 } } },
  };
}

function entrySummary(e: LogEntry): Record<string, unknown> {
  return {
    uuid: e.uuid,
    logIndex: e.logIndex,
    integratedTime: e.integratedTime,
    logID: e.logID,
    treeSize: e.inclusionProof.treeSize,
    rootHash: e.inclusionProof.rootHash.toString('hex'),
    body: JSON.parse(e.body.toString('utf8')) as unknown,
    verified: true,
  };
}

interface MonitorState {
  logId: string;
  publicKey: string;
  size: number;
  rootHash: string;
  checkpoint: string;
  verifiedAt: string;
}

async function readState(path: string): Promise<MonitorState | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VouchError('IO_ERROR', `cannot read the monitor state ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (buf.length > MAX_STATE) throw new VouchError('LIMIT_EXCEEDED', `monitor state ${path} is too large`);
  const doc = parseJson(buf, `monitor state ${path}`) as Partial<MonitorState>;
  if (typeof doc.size !== 'number' || typeof doc.rootHash !== 'string' || !/^[0-9a-f]{64}$/.test(doc.rootHash) || typeof doc.publicKey !== 'string' || typeof doc.logId !== 'string') {
    throw new VouchError('PARSE_ERROR', `monitor state ${path} is malformed`);
  }
  return doc as MonitorState;
}

export const logCommand: Command = {
  name: 'log',
  summary: 'Upload to, read from, verify and monitor a Rekor-compatible transparency log',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      url: { type: 'string' },
      'log-public-key': { type: 'string' },
      artifact: { type: 'string' },
      digest: { type: 'string' },
      signature: { type: 'string' },
      'public-key': { type: 'string' },
      dsse: { type: 'string' },
      intoto: { type: 'boolean' },
      entry: { type: 'string' },
      uuid: { type: 'string' },
      index: { type: 'string' },
      checkpoint: { type: 'string' },
      first: { type: 'string' },
      root: { type: 'string' },
      state: { type: 'string' },
      once: { type: 'boolean' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help === true || positionals.length === 0) {
      await writeResult(undefined, HELP, io.stdout);
      return values.help === true ? 0 : 2;
    }
    const [sub, ...rest] = positionals as [string, ...string[]];
    if (rest.length > 0) throw new VouchError('USAGE', `unexpected argument ${rest[0]}`, { hint: 'vouch log --help' });
    const ui = createUi({ quiet: values.quiet === true, debug: values.debug === true, stderr: io.stderr, env: io.env });
    const url = values.url ?? io.env.VOUCH_LOG_URL ?? 'http://127.0.0.1:8080';
    let pinned: KeyObject | undefined;
    if (values['log-public-key'] !== undefined) {
      try {
        pinned = createPublicKey((await readInput(values['log-public-key'], 'log public key')).toString('utf8'));
      } catch (err) {
        if (err instanceof VouchError) throw err;
        throw new VouchError('USAGE', `--log-public-key: ${(err as Error).message}`);
      }
    }
    const client = new RekorClient({ baseUrl: url, ...(pinned === undefined ? {} : { publicKey: pinned }) });
    const json = values.json === true;
    const print = (obj: unknown, text: string): Promise<void> => writeResult(undefined, json ? `${JSON.stringify(obj, null, 2)}\n` : text, io.stdout);
    const index = (v: string | undefined, flag: string): number | undefined => {
      if (v === undefined) return undefined;
      if (!/^\d{1,15}$/.test(v)) throw new VouchError('USAGE', `--${flag} must be a non-negative integer`);
      return Number(v);
    };
    const fetchEntry = async (): Promise<LogEntry> => {
      const i = index(values.index, 'index');
      if (values.uuid !== undefined) return client.getByUuid(values.uuid.toLowerCase());
      if (i !== undefined) return client.getByIndex(i);
      throw new VouchError('USAGE', `${sub} needs --uuid or --index`);
    };

    switch (sub) {
      case 'upload': {
        const { entry, duplicate } = await client.upload(await proposedEntry(values));
        await print({ ...entrySummary(entry), duplicate }, `${duplicate ? 'already in the log' : 'logged'}: index ${entry.logIndex}, uuid ${entry.uuid} (verified: SET, inclusion proof, checkpoint)\n`);
        return 0;
      }
      case 'get': {
        const entry = await fetchEntry();
        await print(entrySummary(entry), `${JSON.stringify({ [entry.uuid]: entry.raw }, null, 2)}\n`);
        return 0;
      }
      case 'verify-inclusion': {
        const entry = await fetchEntry();
        const current = await client.checkpoint();
        // The entry's proof is against the tree when it was read; prove that tree is a prefix of the current one.
        await client.proveConsistency({ size: entry.inclusionProof.treeSize, rootHash: entry.inclusionProof.rootHash }, current);
        await print(
          { ...entrySummary(entry), checkpoint: { size: current.size, rootHash: current.rootHash.toString('hex') } },
          `ok: entry ${entry.logIndex} (${entry.uuid}) is in the log; tree size ${current.size}, root ${current.rootHash.toString('hex')}\n`,
        );
        return 0;
      }
      case 'verify-consistency': {
        const current = await client.checkpoint();
        let old: { size: number; rootHash: Buffer };
        if (values.checkpoint !== undefined) {
          old = verifyCheckpointNote((await readInput(values.checkpoint, 'checkpoint')).toString('utf8'), await client.publicKey());
        } else {
          const first = index(values.first, 'first');
          if (first === undefined || values.root === undefined) throw new VouchError('USAGE', 'verify-consistency needs --checkpoint FILE, or --first N with --root HEX (a tree you trust)');
          if (!/^[0-9a-fA-F]{64}$/.test(values.root)) throw new VouchError('USAGE', '--root must be 64 hex digits');
          old = { size: first, rootHash: Buffer.from(values.root, 'hex') };
        }
        await client.proveConsistency(old, current);
        await print(
          { consistent: true, first: { size: old.size, rootHash: old.rootHash.toString('hex') }, last: { size: current.size, rootHash: current.rootHash.toString('hex') } },
          `ok: tree size ${old.size} is a prefix of tree size ${current.size}\n`,
        );
        return 0;
      }
      case 'monitor':
        return monitor(client, values, io, ui.logger, print);
      default:
        throw new VouchError('USAGE', `unknown log subcommand "${sub}"`, { hint: 'vouch log upload | get | verify-inclusion | verify-consistency | monitor' });
    }
  },
};

async function monitor(
  client: RekorClient,
  values: { state?: string | undefined; once?: boolean | undefined; interval?: string | undefined },
  _io: CommandIo,
  logger: { info(m: string): void; warn(m: string): void },
  print: (obj: unknown, text: string) => Promise<void>,
): Promise<0 | 1> {
  if (values.state === undefined) throw new VouchError('USAGE', 'monitor needs --state FILE');
  const statePath = values.state;
  const intervalS = values.interval === undefined ? 60 : Number(values.interval);
  if (!Number.isFinite(intervalS) || intervalS < 1 || intervalS > 86_400) throw new VouchError('USAGE', '--interval must be 1 to 86400 seconds');
  const state = await readState(statePath);
  const key = await client.publicKey();
  const keyPem = key.export({ format: 'pem', type: 'spki' }).toString();
  if (state !== undefined && state.publicKey !== keyPem) {
    throw new VouchError('LOG_FORK', `the log's key changed since ${state.verifiedAt} (log ID ${state.logId.slice(0, 16)}… → ${logIdOf(key).toString('hex').slice(0, 16)}…)`);
  }
  let last = state;
  for (;;) {
    const current: VerifiedCheckpoint = await client.checkpoint();
    if (last !== undefined) await client.proveConsistency({ size: last.size, rootHash: Buffer.from(last.rootHash, 'hex') }, current);
    const next: MonitorState = {
      logId: logIdOf(key).toString('hex'),
      publicKey: keyPem,
      size: current.size,
      rootHash: current.rootHash.toString('hex'),
      checkpoint: current.note,
      verifiedAt: new Date().toISOString(),
    };
    await writeResult(statePath, `${JSON.stringify(next, null, 2)}\n`);
    const grew = last === undefined ? 'first checkpoint stored' : current.size === last.size ? 'unchanged' : `consistent with size ${last.size}`;
    logger.info(`log monitor: tree size ${current.size}, ${grew}`);
    last = next;
    if (values.once === true) {
      await print({ size: next.size, rootHash: next.rootHash, previousSize: state?.size ?? null, consistent: true }, `ok: tree size ${next.size} (${grew})\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, intervalS * 1000));
  }
}

/**
 * The transparency log service: a Rekor v1-compatible, verifiable append-only log. `createLogService`
 * validates its options, opens storage (SQLite by default, PostgreSQL for replicas), loads or
 * creates the log key, starts the sequencer and returns a `VouchService` to mount.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { silentLogger, VouchError, type Logger } from '../../core/index.ts';
import { LogSigner } from '../../formats/tlog/index.ts';
import { migrate, openDb } from '../db/index.ts';
import type { ServiceContext, VouchService } from '../http/index.ts';
import { loadOrCreateLogKey, type GenerateAlgorithm } from './keys.ts';
import { registerRoutes } from './routes.ts';
import { Sequencer } from './sequencer.ts';
import { SqliteWriter } from './sqlite-writer.ts';
import { TransparencyLog, type Identity } from './service.ts';
import { VerifyPool } from './verify-pool.ts';
import { logMigrations, LogStore, type LogTables } from './store.ts';

export { TransparencyLog } from './service.ts';
export type { LogEntryJson } from './service.ts';
export { LogStore, type LogTables } from './store.ts';
export { Sequencer } from './sequencer.ts';

export interface LogServiceOptions {
  /** Folder for the SQLite database and the generated key (`<data>/log`). */
  readonly dir: string;
  /** PostgreSQL URL shared by replicas; undefined → SQLite in `dir`. */
  readonly dbUrl?: string;
  /** PEM private key file (else generated in `dir` on first start). */
  readonly keyFile?: string;
  /** Algorithm of a generated key (default ecdsa-p256: what sigstore clients expect). */
  readonly keyAlgorithm?: GenerateAlgorithm;
  /** The URL clients reach the log at; its host names the log in checkpoints. */
  readonly publicUrl: () => string;
  /** Checkpoint signer name override (default: the public URL's host). */
  readonly name?: string;
  readonly batchWaitMs?: number;
  readonly maxBatch?: number;
  /** Largest request body (default 4 MiB). */
  readonly maxEntryBytes?: number;
  /** PostgreSQL: how often a standby tries to take over sequencing (ms, default 200). */
  readonly pollMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** Worker threads that verify entry signatures (default: CPU count − 1, at most 4; 0: on the event loop). */
  readonly verifyThreads?: number;
  /** SQLite synchronous mode (default FULL). */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

export const DEFAULT_LOG_OPTIONS = { batchWaitMs: 2, maxBatch: 1000, maxEntryBytes: 4 * 1024 * 1024, keyAlgorithm: 'ecdsa-p256' } as const;

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new VouchError('LOG_CONFIG', `${name} must be an integer from ${min} to ${max}, not ${v}`);
  return v;
}

export interface LogServiceHandle extends VouchService {
  readonly log: TransparencyLog;
}

export async function createLogService(options: LogServiceOptions): Promise<LogServiceHandle> {
  const logger = options.logger ?? silentLogger;
  const batchWaitMs = checkInt('batch wait (ms)', options.batchWaitMs ?? DEFAULT_LOG_OPTIONS.batchWaitMs, 0, 1000);
  const maxBatch = checkInt('max batch', options.maxBatch ?? DEFAULT_LOG_OPTIONS.maxBatch, 1, 10_000);
  const maxEntryBytes = checkInt('max entry bytes', options.maxEntryBytes ?? DEFAULT_LOG_OPTIONS.maxEntryBytes, 1024, 64 * 1024 * 1024);
  const keyAlgorithm = options.keyAlgorithm ?? DEFAULT_LOG_OPTIONS.keyAlgorithm;
  const verifyThreads = checkInt('verify threads', options.verifyThreads ?? Math.min(4, Math.max(1, availableParallelism() - 1)), 0, 64);
  if (keyAlgorithm !== 'ecdsa-p256' && keyAlgorithm !== 'ed25519') throw new VouchError('LOG_CONFIG', `key algorithm must be ecdsa-p256 or ed25519, not ${String(keyAlgorithm)}`);
  if (options.name !== undefined && !/^[^\s]+$/.test(options.name)) throw new VouchError('LOG_CONFIG', 'the log name must be one word without spaces');

  const loaded = loadOrCreateLogKey({ ...(options.keyFile === undefined ? {} : { keyFile: options.keyFile }), dir: options.dir, env: options.env ?? process.env, algorithm: keyAlgorithm });
  let signer: LogSigner;
  try {
    signer = new LogSigner(loaded.key);
  } catch (err) {
    throw new VouchError('LOG_KEY', `${loaded.path}: ${(err as Error).message}`, { cause: err });
  }
  if (loaded.generated) logger.info(`log: generated a new ${signer.algorithm} log key in ${loaded.path}`);

  const db = openDb<LogTables>(options.dbUrl ?? join(options.dir, 'log.sqlite'), options.synchronous === undefined ? {} : { synchronous: options.synchronous });
  let sequencer: Sequencer | undefined;
  let writer: SqliteWriter | undefined;
  try {
    await migrate(db, logMigrations(db.dialect));
    // SQLite: batches commit on a writer thread so the fsync never stalls the event loop.
    // (An in-memory database cannot be shared with a second connection: it commits on the event loop.)
    if (db.dialect === 'sqlite' && db.location !== ':memory:') writer = await SqliteWriter.open(db.location, options.synchronous ?? 'FULL');
    const store = new LogStore(db.kysely, writer);
    const treeIdText = await store.metaInit('tree_id', (BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fffffffffffffffn).toString());
    const logId = await store.metaInit('log_id', signer.logId.toString('hex'));
    if (logId !== signer.logId.toString('hex')) {
      throw new VouchError('LOG_CONFIG', `the log key ${loaded.path} is not the key of the log in ${db.location} (log ID ${logId.slice(0, 16)}…)`, {
        hint: 'give every replica the same --log-key',
      });
    }
    const treeId = BigInt(treeIdText);
    sequencer = new Sequencer(store, {
      batchWaitMs,
      maxBatch,
      logger,
      ...(db.dialect === 'postgres' ? { postgresUrl: options.dbUrl! } : {}),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    });
    await sequencer.start();
    const identity = (): Identity => {
      let host: string;
      try {
        host = new URL(options.publicUrl()).host;
      } catch {
        host = 'vouch-log';
      }
      const name = options.name ?? host;
      return { origin: `${name} - ${treeId.toString()}`, name };
    };
    const pool = new VerifyPool(verifyThreads);
    const log = new TransparencyLog(store, signer, sequencer, treeId, identity, pool);
    const seq = sequencer;
    return {
      name: 'log',
      log,
      register: (app) => {
        registerRoutes(app, log, logger, maxEntryBytes);
        return Promise.resolve();
      },
      async health() {
        try {
          const head = await store.head();
          return { ok: head !== undefined, detail: `tree size ${head?.size ?? 0}${seq.isSequencer ? ', sequencing' : ', standby'}` };
        } catch (err) {
          return { ok: false, detail: (err as Error).message };
        }
      },
      async close() {
        await pool.close();
        await seq.close();
        await writer?.close();
        await db.close();
      },
    };
  } catch (err) {
    await sequencer?.close().catch(() => undefined);
    await writer?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** What `vouch serve` hands a service (servers/http's ServiceContext). */
export type LogServeContext = ServiceContext;

/** Flags (`--log-*`) win over the `log:` config section; every value is validated here, at start-up. */
export async function createLogServiceFromContext(ctx: LogServeContext): Promise<LogServiceHandle> {
  const known = new Set(['key', 'keyAlgorithm', 'name', 'batchWaitMs', 'maxBatch', 'maxEntryBytes', 'verifyThreads']);
  for (const k of Object.keys(ctx.config)) {
    if (!known.has(k)) throw new VouchError('LOG_CONFIG', `unknown key log.${k} in the config file`, { hint: `known: ${[...known].join(', ')}` });
  }
  const flag = (name: string): string | undefined => {
    const v = ctx.flags[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const cfgStr = (name: string): string | undefined => {
    const v = ctx.config[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new VouchError('LOG_CONFIG', `log.${name} must be a string`);
    return v;
  };
  const cfgInt = (name: string, fromFlag: string | undefined): number | undefined => {
    const v = fromFlag ?? ctx.config[name];
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw new VouchError('LOG_CONFIG', `log.${name} must be a whole number`);
    return n;
  };
  const keyFile = flag('log-key') ?? cfgStr('key');
  const algorithm = flag('log-key-algorithm') ?? cfgStr('keyAlgorithm');
  const name = flag('log-name') ?? cfgStr('name');
  const batchWaitMs = cfgInt('batchWaitMs', flag('log-batch-wait'));
  const maxBatch = cfgInt('maxBatch', undefined);
  const maxEntryBytes = cfgInt('maxEntryBytes', undefined);
  const verifyThreads = cfgInt('verifyThreads', undefined);
  if (algorithm !== undefined && algorithm !== 'ecdsa-p256' && algorithm !== 'ed25519') throw new VouchError('LOG_CONFIG', `--log-key-algorithm must be ecdsa-p256 or ed25519, not ${algorithm}`);
  return createLogService({
    dir: join(ctx.dataDir, 'log'),
    ...(ctx.dbUrl === undefined ? {} : { dbUrl: ctx.dbUrl }),
    ...(keyFile === undefined ? {} : { keyFile }),
    ...(algorithm === undefined ? {} : { keyAlgorithm: algorithm }),
    ...(name === undefined ? {} : { name }),
    ...(batchWaitMs === undefined ? {} : { batchWaitMs }),
    ...(maxBatch === undefined ? {} : { maxBatch }),
    ...(maxEntryBytes === undefined ? {} : { maxEntryBytes }),
    ...(verifyThreads === undefined ? {} : { verifyThreads }),
    publicUrl: () => ctx.publicUrl(),
    env: ctx.env,
    logger: ctx.logger,
  });
}

/**
 * `vouch serve [SERVICE...]`: every Vouch service (or the named ones) in one process on one port,
 * on embedded defaults (SQLite and a data folder). Stops gracefully on SIGINT/SIGTERM: no new
 * connections, in-flight requests finish, storage is closed.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VouchError, type ExitCode } from '../../core/index.ts';
import { startServer, type VouchService } from '../../servers/http/index.ts';
import { parseCommandArgs, type OptionSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { SERVICES, type ServiceEntry } from '../serve/services.ts';
import { createUi } from '../ui.ts';

const MAX_CONFIG_BYTES = 1024 * 1024;

const BASE_FLAGS = {
  listen: { type: 'string' },
  data: { type: 'string' },
  db: { type: 'string' },
  config: { type: 'string' },
  'public-url': { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

function help(): string {
  const names = SERVICES.map((s) => `  ${s.name.padEnd(10)} ${s.summary}`).join('\n');
  const serviceFlags = SERVICES.map((s) => s.flagHelp.trimEnd()).filter((h) => h !== '').join('\n');
  return `Usage: vouch serve [SERVICE...] [flags]

Run Vouch's services in one process on one port: all of them, or the ones named.
Embedded defaults: SQLite and files under the data folder; nothing else to install.
Health: GET /healthz. Stop with Ctrl-C or SIGTERM (in-flight requests finish).

Services:
${names === '' ? '  (none yet)' : names}

Flags:
      --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
      --data DIR           data folder (default $VOUCH_DATA_DIR, else ~/.local/share/vouch)
      --db URL             PostgreSQL URL shared by replicas (default: SQLite in the data folder)
      --config FILE        YAML file: top-level listen, data, db, public-url, and one section per service
      --public-url URL     the URL clients use to reach this server (default: http://LISTEN)
      --json               print {"url": ..., "services": [...]} on stdout once listening
${serviceFlags}
  -q, --quiet              no log lines on stderr
      --debug              log every request (method, route, status, time) on stderr
  -h, --help               this help

Examples:
  vouch serve
  vouch serve registry --listen 0.0.0.0:5000 --data /srv/vouch
  vouch serve log --db postgres://vouch@db.internal/vouch
  VOUCH_ADMIN_PASSWORD=s3cret vouch serve --config vouch.yaml
`;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Vouch services (registry, transparency log, CA) on one port',
  get help() {
    return help();
  },
  async run(argv, io) {
    const serviceFlags: OptionSpec = Object.assign({}, ...SERVICES.map((s) => s.flags)) as OptionSpec;
    const { values, positionals } = parseCommandArgs(argv, { ...BASE_FLAGS, ...serviceFlags });
    if (values.help === true) {
      io.stdout.write(help());
      return 0;
    }
    const ui = createUi({ stderr: io.stderr, env: io.env, quiet: values.quiet === true, debug: values.debug === true });
    const fileConfig = typeof values.config === 'string' ? await readConfig(values.config) : {};
    const chosen = pickServices(positionals);
    const listen = parseListen(str(values.listen) ?? str(fileConfig.listen) ?? '127.0.0.1:8080');
    const dataDir = resolve(str(values.data) ?? str(fileConfig.data) ?? io.env.VOUCH_DATA_DIR ?? join(homedir(), '.local', 'share', 'vouch'));
    const dbUrl = str(values.db) ?? str(fileConfig.db) ?? io.env.VOUCH_DB_URL;
    let boundUrl = `http://${listen.host}:${listen.port}`;
    const publicUrl = (): string => (str(values['public-url']) ?? str(fileConfig['public-url']) ?? boundUrl).replace(/\/+$/, '');

    const services: VouchService[] = [];
    try {
      for (const entry of chosen) {
        const section = fileConfig[entry.name];
        services.push(
          await entry.create({
            dataDir,
            dbUrl,
            publicUrl,
            config: isRecord(section) ? section : {},
            flags: values,
            env: io.env,
            logger: ui.logger,
            announce: (line) => io.stderr.write(`${line}\n`),
          }),
        );
      }
    } catch (err) {
      await Promise.allSettled(services.map((s) => s.close()));
      throw err;
    }
    const server = await startServer({ host: listen.host, port: listen.port, services, logger: ui.logger }).catch((err: unknown) => {
      throw new VouchError('IO_ERROR', `cannot listen on ${listen.host}:${listen.port}: ${(err as Error).message}`, { cause: err });
    });
    boundUrl = server.url;
    const names = services.map((s) => s.name);
    if (values.json === true) io.stdout.write(`${JSON.stringify({ url: server.url, services: names })}\n`);
    ui.logger.info(`vouch serve: ${names.join(', ') || 'no services'} on ${server.url} (data ${dataDir}${dbUrl === undefined ? '' : ', PostgreSQL'})`);
    return new Promise<ExitCode>((resolvePromise) => {
      const stop = (signal: string): void => {
        ui.logger.info(`vouch serve: ${signal}, stopping`);
        server.close().then(
          () => resolvePromise(0),
          () => resolvePromise(3),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};

function pickServices(names: readonly string[]): ServiceEntry[] {
  if (names.length === 0) return [...SERVICES];
  return names.map((name) => {
    const entry = SERVICES.find((s) => s.name === name);
    if (entry === undefined) {
      throw new VouchError('USAGE', `unknown service "${name}"`, { hint: `services: ${SERVICES.map((s) => s.name).join(', ') || 'none'}` });
    }
    return entry;
  });
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw new VouchError('USAGE', `--listen ${value}: expected HOST:PORT`);
  return { host: m[1] ?? m[2]!, port };
}

async function readConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_CONFIG_BYTES) throw new VouchError('LIMIT_EXCEEDED', `config ${path} is over ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof VouchError) throw err;
    throw new VouchError('IO_ERROR', `cannot read config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new VouchError('PARSE_ERROR', `config ${path}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new VouchError('PARSE_ERROR', `config ${path}: expected a mapping at the top level`);
  return doc;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}


/**
 * The HTTP kit every Vouch server runs on: one fastify instance, the services mounted into it
 * (each in its own encapsulated plugin scope, so a service's content-type parsers, hooks and
 * error handler do not leak into the others), `GET /healthz`, and a graceful close. `vouch serve`
 * mounts every service on one port; `vouch serve <service>` mounts one.
 *
 * Services register absolute paths: the registry `/v2/…` and `/service/token`, the log
 * `/api/v1/log…` and `/api/v1/index…`, the CA `/api/v2/signingCert|trustBundle|configuration`,
 * management APIs `/api/v2.0/…` (Harbor's shapes). Two services must not claim the same path.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { silentLogger, type Logger } from '../../core/index.ts';

export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ServiceHealth {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface VouchService {
  /** `registry`, `log`, `ca`, …: shown in `/healthz` and in logs. */
  readonly name: string;
  /** Add routes, parsers and hooks to `app` (an encapsulated scope of the server). */
  register(app: FastifyInstance): Promise<void>;
  health(): Promise<ServiceHealth>;
  /** Stop background work and release storage; called after the server stopped accepting requests. */
  close(): Promise<void>;
}

/** What `vouch serve` hands each service factory (cli/serve/services.ts builds it). */
export interface ServiceContext {
  /** This deployment's data folder; a service keeps its files under `<dataDir>/<name>/`. */
  readonly dataDir: string;
  /** `--db`: a PostgreSQL URL shared by replicas, or undefined (then each service uses SQLite under its data folder). */
  readonly dbUrl: string | undefined;
  /** The base URL clients reach this server at (`--public-url`, else the bound address); known once listening. */
  publicUrl(): string;
  /** The service's own section of the `--config` YAML file (unvalidated: the service validates it). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Parsed values of the service's own flags (the service entry's `flags` in cli/serve/services.ts). */
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Print a line the operator must see once (a generated admin password); never goes to logs. */
  announce(line: string): void;
}

export interface ServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  readonly services: readonly VouchService[];
  readonly logger?: Logger;
  /** Largest request body fastify buffers for parsed content types (default 4 MiB); streamed bodies are each service's business. */
  readonly bodyLimit?: number;
  /** Trust `X-Forwarded-For` from these proxy addresses/CIDRs (default: none) when reporting client addresses. */
  readonly trustProxy?: readonly string[];
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** `http://HOST:PORT` with the port actually bound. */
  readonly url: string;
  /** Stop accepting connections, finish in-flight requests, then close each service. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    trustProxy: options.trustProxy === undefined ? false : [...options.trustProxy],
    // Registry repository names are paths; a service parses its own wildcard tail.
    routerOptions: { maxParamLength: 2048 },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.addHook('onResponse', (request, reply, done) => {
    // Never the query string or headers: tokens may travel there.
    logger.debug(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)}ms`);
    done();
  });
  const names = new Set<string>();
  for (const service of options.services) {
    if (names.has(service.name)) throw new Error(`service ${service.name} mounted twice`);
    names.add(service.name);
    await app.register(async (scope) => service.register(scope));
  }
  app.get('/healthz', async (_request, reply) => {
    const services: Record<string, ServiceHealth> = {};
    for (const service of options.services) {
      try {
        services[service.name] = await service.health();
      } catch (err) {
        services[service.name] = { ok: false, detail: (err as Error).message };
      }
    }
    const ok = Object.values(services).every((s) => s.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', services });
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await app.close();
      for (const service of [...options.services].reverse()) {
        try {
          await service.close();
        } catch (err) {
          logger.warn(`closing ${service.name}: ${(err as Error).message}`);
        }
      }
    })();
    return closing;
  };
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    return { app, url: address, close };
  } catch (err) {
    await close();
    throw err;
  }
}

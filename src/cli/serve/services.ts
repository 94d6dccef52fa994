/**
 * The services `vouch serve` can mount, in mount order. Each entry loads its server module only
 * when started. One entry per service: add yours here. `vouch serve` with no names mounts all of
 * them; `vouch serve NAME...` mounts those.
 */
import { join } from 'node:path';
import type { ServiceContext, VouchService } from '../../servers/http/index.ts';
import type { DevOidc } from '../../servers/oidc-dev/index.ts';
import type { OptionSpec } from '../args.ts';

export type { ServiceContext } from '../../servers/http/index.ts';

export interface ServiceEntry {
  readonly name: string;
  readonly summary: string;
  /** The service's own flags (node:util parseArgs specs), merged into `vouch serve`'s. */
  readonly flags: OptionSpec;
  /** Help lines for those flags, as they appear under "Flags:". */
  readonly flagHelp: string;
  create(ctx: ServiceContext): Promise<VouchService>;
}

export const SERVICES: readonly ServiceEntry[] = [
  {
    name: 'registry',
    summary: 'OCI distribution-spec v1.1 registry (push, pull, referrers, tags, catalog; accounts and token auth)',
    flags: { 'registry-anonymous': { type: 'boolean' } },
    flagHelp: `      --registry-anonymous           registry: no accounts or tokens; anyone may push and pull (local use, tests)
`,
    async create(ctx) {
      const registry = await import('../../servers/registry/index.ts');
      // Blobs, SQLite and the token key under <data>/registry/; with --db the metadata goes to
      // PostgreSQL and replicas share <data>/registry/ over a shared filesystem (docs/registry.md).
      const dataDir = join(ctx.dataDir, 'registry');
      const { anonymous, ...config } = ctx.config;
      const open = ctx.flags['registry-anonymous'] === true || anonymous === true;
      const auth = open
        ? undefined
        : await registry.createRegistryAuth({
            dataDir,
            ...(ctx.dbUrl === undefined ? {} : { dbUrl: ctx.dbUrl }),
            publicUrl: () => ctx.publicUrl(),
            env: ctx.env,
            announce: (line: string) => ctx.announce(line),
            logger: ctx.logger,
          });
      if (open) ctx.logger.warn('registry: anonymous mode, anyone who can reach this server may push, pull and delete');
      try {
        const service = await registry.createRegistryService({
          dataDir,
          ...(ctx.dbUrl === undefined ? {} : { dbUrl: ctx.dbUrl }),
          logger: ctx.logger,
          ...registry.registryConfig(config),
          ...(auth === undefined ? {} : { access: auth.access, extraRoutes: auth.extraRoutes }),
        });
        if (auth === undefined) return service;
        return {
          ...service,
          async health() {
            const own = await service.health();
            try {
              await auth.health();
              return own;
            } catch (err) {
              return { ok: false, detail: `accounts: ${(err as Error).message}` };
            }
          },
          async close() {
            await service.close();
            await auth.close();
          },
        };
      } catch (err) {
        await auth?.close();
        throw err;
      }
    },
  },
  {
    name: 'log',
    summary: 'Rekor v1-compatible transparency log (RFC 6962 Merkle tree, signed checkpoints, SETs)',
    flags: { 'log-key': { type: 'string' }, 'log-key-algorithm': { type: 'string' }, 'log-name': { type: 'string' }, 'log-batch-wait': { type: 'string' } },
    flagHelp: `      --log-key FILE                 log: PEM private key (ECDSA P-256 or Ed25519; password: VOUCH_LOG_KEY_PASSWORD); default: generated under DATA/log
      --log-key-algorithm ALG        log: algorithm of a generated key: ecdsa-p256 (default) or ed25519
      --log-name NAME                log: the name on checkpoint signatures (default: the public URL's host)
      --log-batch-wait MS            log: how long a write waits to share a commit with others (default 2)
`,
    async create(ctx) {
      return (await import('../../servers/log/index.ts')).createLogServiceFromContext(ctx);
    },
  },
  {
    name: 'ca',
    summary: 'Fulcio-compatible certificate authority: OIDC identity → short-lived signing certificate',
    flags: { 'oidc-issuer': { type: 'string', multiple: true }, 'ca-cert': { type: 'string' }, 'ca-key': { type: 'string' }, 'cert-validity': { type: 'string' }, 'log-url': { type: 'string' }, 'dev-oidc': { type: 'boolean' } },
    flagHelp: `      --oidc-issuer URL[=JWKS_FILE]  ca: trust this OIDC issuer (discovery + JWKS fetched and cached, or a static JWKS file); repeatable
      --ca-cert FILE --ca-key FILE   ca: use this CA chain (issuing CA first) and key (password: VOUCH_CA_PASSWORD); default: generated under DATA/ca
      --cert-validity DURATION       ca: lifetime of issued certificates (default 10m)
      --log-url URL                  ca: the transparency log named in the served trust root (default: this server)
      --dev-oidc                     ca: also run a development OIDC issuer the CA trusts (TESTING ONLY)
`,
    async create(ctx) {
      const ca = await import('../../servers/ca/index.ts');
      const settings = ca.caSettings(ctx.flags, ctx.config);
      let dev: DevOidc | undefined;
      if (settings.devOidc) {
        const oidc = await import('../../servers/oidc-dev/index.ts');
        dev = await oidc.createDevOidc({ issuer: () => ctx.publicUrl(), audience: settings.audience });
        ctx.logger.warn(oidc.DEV_OIDC_WARNING);
      }
      const service = await ca.createCaService({
        dataDir: ctx.dataDir,
        issuers: settings.issuers,
        audience: settings.audience,
        certValidityMs: settings.certValidityMs,
        certFile: settings.certFile,
        keyFile: settings.keyFile,
        keyedIssuers: dev === undefined ? [] : [{ url: dev.issuer, keys: dev.keys }],
        password: ctx.env.VOUCH_CA_PASSWORD,
        publicUrl: () => ctx.publicUrl(),
        ...(settings.logUrl === undefined ? {} : { logUrl: (): string => settings.logUrl! }),
        oidcUrls: () => (dev === undefined ? [] : [dev.issuer()]),
        logger: ctx.logger,
        announce: (line) => ctx.announce(line),
      });
      if (dev === undefined) return service;
      // One 'ca' entry mounts both: the development issuer's routes live in the CA's scope.
      return { ...service, register: async (app) => (await service.register(app), dev.register(app)) };
    },
  },
];

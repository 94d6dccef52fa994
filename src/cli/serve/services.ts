/**
 * The services `vouch serve` can mount, in mount order. Each entry loads its server module only
 * when started. One entry per service: add yours here. `vouch serve` with no names mounts all of
 * them; `vouch serve NAME...` mounts those.
 */
import type { Logger } from '../../core/index.ts';
import type { VouchService } from '../../servers/http/index.ts';
import type { OptionSpec } from '../args.ts';

export interface ServiceContext {
  /** This deployment's data folder; a service keeps its files under `<dataDir>/<name>/`. */
  readonly dataDir: string;
  /** `--db`: a PostgreSQL URL shared by replicas, or undefined (then each service uses SQLite under its data folder). */
  readonly dbUrl: string | undefined;
  /** The base URL clients reach this server at (`--public-url`, else the bound address); known once listening. */
  publicUrl(): string;
  /** The service's own section of the `--config` YAML file (unvalidated: the service validates it). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Parsed values of the service's own flags (see `flags`). */
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Print a line the operator must see once (a generated admin password); never goes to logs. */
  announce(line: string): void;
}

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
    summary: 'OCI distribution-spec v1.1 registry (push, pull, referrers, tags, catalog)',
    flags: {},
    flagHelp: '',
    async create(ctx) {
      const path = await import('node:path');
      const registry = await import('../../servers/registry/index.ts');
      // Blobs and SQLite under <data>/registry/; with --db the metadata goes to PostgreSQL and
      // replicas share <data>/registry/ over a shared filesystem (docs/registry.md).
      return registry.createRegistryService({
        dataDir: path.join(ctx.dataDir, 'registry'),
        ...(ctx.dbUrl === undefined ? {} : { dbUrl: ctx.dbUrl }),
        logger: ctx.logger,
        ...registry.registryConfig(ctx.config),
      });
    },
  },
];

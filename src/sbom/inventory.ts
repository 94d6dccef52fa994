/**
 * `vouch sbom` as a library call: target → source → catalogers → merged inventory.
 */
import { basename, resolve } from 'node:path';
import { noProgress, resolveLimits, silentLogger, VOUCH_VERSION, type Limits, type Logger, type Progress } from '../core/index.ts';
import type { Inventory, Package, Relationship, Warning } from '../formats/model/index.ts';
import { ALL_CATALOGERS } from './catalogers/index.ts';
import { mergePackages, mergeRelationships, type Cataloger } from './generic/index.ts';
import { FsResolver } from './source/directory.ts';
import { parseTarget } from './target.ts';

export interface InventoryOptions {
  readonly limits?: Partial<Limits>;
  readonly logger?: Logger;
  readonly progress?: Progress;
  /** Catalogers to run; default all. */
  readonly catalogers?: readonly Cataloger[];
  /** Directory names to skip while walking. */
  readonly exclude?: readonly string[];
  /** Keep dev-only packages (default true, as `npm sbom` does; syft and cdxgen drop them). */
  readonly includeDev?: boolean;
  /** Seconds since the epoch for the SBOM timestamp; set for byte-identical output (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch?: number;
  /** Clock for the timestamp when not deterministic. */
  readonly now?: () => Date;
}

export const DEFAULT_INCLUDE_DEV = true;

export async function buildInventory(targetInput: string, options: InventoryOptions = {}): Promise<Inventory> {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? noProgress;
  const includeDev = options.includeDev ?? DEFAULT_INCLUDE_DEV;
  const catalogers = options.catalogers ?? ALL_CATALOGERS;

  const target = await parseTarget(targetInput);
  progress.update(`reading ${target.path}`);
  const resolver =
    target.kind === 'directory'
      ? await FsResolver.fromDirectory(target.path, { limits, exclude: options.exclude ?? [] })
      : await FsResolver.fromFile(target.path, { limits });

  const found: Package[] = [];
  const rels: Relationship[] = [];
  const warnings: Warning[] = [...resolver.warnings];
  for (const c of catalogers) {
    progress.update(`cataloging ${c.name}`);
    const r = await c.catalog({ resolver, limits, logger });
    found.push(...r.packages);
    rels.push(...r.relationships);
    warnings.push(...r.warnings);
  }
  progress.done();

  let packages = mergePackages(found);
  if (!includeDev) packages = packages.filter((p) => p.scope !== 'dev' || p.isRoot === true);
  const relationships = mergeRelationships(rels, new Set(packages.map((p) => p.purl)));
  const epoch = options.sourceDateEpoch;
  const deterministic = epoch !== undefined;
  const when = epoch !== undefined ? new Date(epoch * 1000) : (options.now ?? (() => new Date()))();

  return {
    source: {
      kind: target.kind,
      target: targetInput,
      name: basename(resolve(target.path)),
    },
    packages,
    relationships,
    warnings: warnings.sort((a, b) => (a.location.path < b.location.path ? -1 : a.location.path > b.location.path ? 1 : 0)),
    tool: { name: 'vouch', version: VOUCH_VERSION },
    timestamp: when.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    deterministic,
  };
}

/**
 * `vouch sbom` as a library call: target → source (a directory, a file, or an image opened
 * into a layered filesystem) → catalogers → merged inventory.
 */
import { basename, resolve } from 'node:path';
import { noProgress, resolveLimits, silentLogger, VOUCH_VERSION, type Limits, type Logger, type Progress } from '../core/index.ts';
import type { Distro, ImageDescription, Inventory, Location, Package, Relationship, SourceDescription, Warning } from '../formats/model/index.ts';
import { ALL_CATALOGERS, detectDistro } from './catalogers/index.ts';
import { mergePackages, mergeRelationships, type Cataloger } from './generic/index.ts';
import { FsResolver } from './source/directory.ts';
import type { ImageScope } from './source/image/types.ts';
import type { FileRef, FileResolver } from './source/resolver.ts';
import { parseTarget, type Target } from './target.ts';

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
  /** Images: `os/arch[/variant]` to pick from a multi-platform image (default: the host's). */
  readonly platform?: string;
  /** Images: the squashed filesystem (default) or every layer's files. */
  readonly scope?: ImageScope;
  /** Registry: allow plain HTTP / unverified TLS to a host that is not localhost. */
  readonly insecure?: boolean;
  /** Registry: `USER:PASSWORD`. */
  readonly creds?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export const DEFAULT_INCLUDE_DEV = true;
export const DEFAULT_IMAGE_SCOPE: ImageScope = 'squashed';

interface Opened {
  readonly resolver: FileResolver;
  readonly warnings: readonly Warning[];
  readonly source: Omit<SourceDescription, 'target'>;
  close(): Promise<void>;
}

export async function buildInventory(targetInput: string, options: InventoryOptions = {}): Promise<Inventory> {
  const limits = resolveLimits(options.limits);
  const logger = options.logger ?? silentLogger;
  const progress = options.progress ?? noProgress;
  const includeDev = options.includeDev ?? DEFAULT_INCLUDE_DEV;
  const catalogers = options.catalogers ?? ALL_CATALOGERS;

  const target = await parseTarget(targetInput);
  progress.update(`reading ${target.kind === 'image' ? target.ref : target.path}`);
  const opened = await open(target, { ...options, limits, logger });
  const found: Package[] = [];
  const rels: Relationship[] = [];
  const warnings: Warning[] = [...opened.warnings];
  let distro: Distro | undefined;
  try {
    const { resolver } = opened;
    // An image reads each selected file in one pass per layer rather than one pass per file;
    // what the catalogers' wants() named was kept while indexing, so this extracts only the rest
    // (nothing, when every cataloger says what it wants).
    if (resolver.prefetch) {
      const { read, probe } = selected(catalogers, resolver);
      progress.update(`reading ${read.length + probe.length} files from the image layers`);
      await Promise.all([resolver.prefetch(read), resolver.prefetch(probe, { ranges: true })]);
    }
    distro = await detectDistro(resolver);
    for (const c of catalogers) {
      progress.update(`cataloging ${c.name}`);
      const r = await c.catalog({ resolver, limits, logger });
      found.push(...(resolver.layerOf ? r.packages.map((p) => withLayers(p, resolver)) : r.packages));
      rels.push(...r.relationships);
      warnings.push(...r.warnings);
    }
  } finally {
    progress.done();
    await opened.close();
  }

  let packages = mergePackages(found);
  if (!includeDev) packages = packages.filter((p) => p.scope !== 'dev' || p.isRoot === true);
  const relationships = mergeRelationships(rels, new Set(packages.map((p) => p.purl)));
  const epoch = options.sourceDateEpoch;
  const deterministic = epoch !== undefined;
  const when = epoch !== undefined ? new Date(epoch * 1000) : (options.now ?? (() => new Date()))();

  return {
    source: { ...opened.source, target: targetInput, ...(distro ? { distro } : {}) },
    packages,
    relationships,
    warnings: warnings.sort((a, b) => (a.location.path < b.location.path ? -1 : a.location.path > b.location.path ? 1 : 0)),
    tool: { name: 'vouch', version: VOUCH_VERSION },
    timestamp: when.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    deterministic,
  };
}

async function open(target: Target, options: InventoryOptions & { limits: Limits; logger: Logger }): Promise<Opened> {
  const { limits, logger } = options;
  if (target.kind === 'directory' || target.kind === 'file') {
    const resolver =
      target.kind === 'directory'
        ? await FsResolver.fromDirectory(target.path, { limits, exclude: options.exclude ?? [] })
        : await FsResolver.fromFile(target.path, { limits });
    return {
      resolver,
      warnings: resolver.warnings,
      source: { kind: target.kind, name: basename(resolve(target.path)) },
      close: () => Promise.resolve(),
    };
  }
  // Loaded only for images: directory scans do not pay for tar, zlib and the registry client.
  const { openImageResolver } = await import('./source/image/index.ts');
  const img = await openImageResolver(target, {
    limits,
    logger,
    scope: options.scope ?? DEFAULT_IMAGE_SCOPE,
    capture: captureFor(options.catalogers ?? ALL_CATALOGERS),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
    ...(options.insecure === undefined ? {} : { insecure: options.insecure }),
    ...(options.creds === undefined ? {} : { creds: options.creds }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return {
    resolver: img.resolver,
    warnings: img.warnings,
    source: { kind: 'image', name: imageName(img.description), image: img.description },
    close: () => img.close(),
  };
}

/**
 * What an image keeps of each file while its layers are indexed: the whole file when a
 * cataloger will read it, its ends when catalogers only probe it (ImageResolverOptions.capture).
 */
function captureFor(catalogers: readonly Cataloger[]): (path: string, size: number, mode: number) => boolean | 'ends' {
  const asking = catalogers.flatMap((c) => (c.wants ? [c.wants.bind(c)] : []));
  return (path, size, mode) => {
    let probe = false;
    for (const wants of asking) {
      const w = wants(path, { size, mode });
      if (w === 'read') return true;
      if (w === 'probe') probe = true;
    }
    return probe ? 'ends' : false;
  };
}

/** The files the catalogers select: those one of them reads whole, and those they only probe. */
function selected(catalogers: readonly Cataloger[], resolver: FileResolver): { read: string[]; probe: string[] } {
  const read = new Set<string>();
  const probe = new Set<string>();
  for (const c of catalogers) {
    for (const p of c.select(resolver)) {
      if (read.has(p)) continue;
      const ref: (FileRef & { readonly size?: unknown; readonly mode?: unknown }) | undefined = resolver.get(p);
      const info = typeof ref?.size === 'number' && typeof ref.mode === 'number' ? { size: ref.size, mode: ref.mode } : undefined;
      if (c.wants?.(p, info) === 'probe') probe.add(p);
      else {
        read.add(p);
        probe.delete(p);
      }
    }
  }
  return { read: [...read], probe: [...probe] };
}

/** The image's name for the SBOM subject: the reference without digest, or the layout's base name. */
function imageName(d: ImageDescription): string {
  return d.reference.replace(/@sha256:[0-9a-f]+$/, '');
}

function withLayers(p: Package, resolver: FileResolver): Package {
  const locations = p.locations.map((l): Location => {
    if (l.layer !== undefined) return l;
    // For a file inside an archive (`app.jar!/lib/x.jar`), the layer of the archive itself.
    const layer = resolver.layerOf?.(l.path.split('!/')[0]!);
    return layer === undefined ? l : { ...l, layer };
  });
  return { ...p, locations };
}

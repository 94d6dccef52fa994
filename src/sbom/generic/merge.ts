/**
 * Merge what several catalogers found into one sorted inventory: the same purl found in
 * several files is one package with several locations.
 */
import type { Hash, Location, Package, Relationship, Scope } from '../../formats/model/index.ts';

const SCOPE_RANK: Record<Scope, number> = { required: 0, optional: 1, dev: 2 };

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function mergePackages(found: readonly Package[]): Package[] {
  const byPurl = new Map<string, Package>();
  for (const p of found) {
    const prev = byPurl.get(p.purl);
    byPurl.set(p.purl, prev ? mergeTwo(prev, p) : p);
  }
  return [...byPurl.values()]
    .map((p) => ({
      ...p,
      locations: uniqueLocations(p.locations),
      licenses: [...new Set(p.licenses)].sort(cmp),
      hashes: uniqueHashes(p.hashes),
    }))
    .sort((a, b) => cmp(a.purl, b.purl));
}

function mergeTwo(a: Package, b: Package): Package {
  const merged: Package = {
    ...a,
    scope: SCOPE_RANK[b.scope] < SCOPE_RANK[a.scope] ? b.scope : a.scope,
    licenses: [...a.licenses, ...b.licenses],
    hashes: [...a.hashes, ...b.hashes],
    locations: [...a.locations, ...b.locations],
    foundBy: cmp(b.foundBy, a.foundBy) < 0 ? b.foundBy : a.foundBy,
  };
  const isRoot = a.isRoot === true || b.isRoot === true;
  const metadata = a.metadata || b.metadata ? { ...b.metadata, ...a.metadata } : undefined;
  return { ...merged, ...(isRoot ? { isRoot } : {}), ...(metadata ? { metadata } : {}) };
}

function uniqueLocations(locs: readonly Location[]): Location[] {
  const seen = new Map<string, Location>();
  for (const l of locs) seen.set(`${l.path}\u0000${l.line ?? ''}`, l);
  return [...seen.values()].sort((a, b) => cmp(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
}

function uniqueHashes(hashes: readonly Hash[]): Hash[] {
  const seen = new Map<string, Hash>();
  for (const h of hashes) seen.set(`${h.alg}:${h.value}`, h);
  return [...seen.values()].sort((a, b) => cmp(a.alg, b.alg) || cmp(a.value, b.value));
}

export function mergeRelationships(rels: readonly Relationship[], known: ReadonlySet<string>): Relationship[] {
  const seen = new Map<string, Relationship>();
  for (const r of rels) {
    if (r.from === r.to || !known.has(r.from) || !known.has(r.to)) continue;
    seen.set(`${r.from}\u0000${r.to}`, r);
  }
  return [...seen.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to));
}

/**
 * Summarise a V8 `.cpuprofile` (written by `node --cpu-prof`) as self time per function, so a
 * benchmark can say where the time went without opening DevTools. Format: the Chrome DevTools
 * Protocol `Profiler.Profile` (nodes with callFrame, samples[], timeDeltas[] in microseconds).
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './harness.ts';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function isProfile(v: unknown): v is Profile {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return Array.isArray(p.nodes) && Array.isArray(p.samples) && Array.isArray(p.timeDeltas);
}

export interface HotSpot {
  readonly where: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time in the function itself. */
  readonly self: HotSpot[];
  /** Time in the function and everything it called (each function counted once per sample). */
  readonly inclusive: HotSpot[];
}

function label(f: ProfileNode['callFrame']): string {
  const url = f.url.startsWith('file://') ? relative(ROOT, new URL(f.url).pathname) : f.url;
  return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
}

/** The `top` functions by self and by inclusive time, plus the profile's total sampled time. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file}: not a V8 CPU profile`);
  const byId = new Map(parsed.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of parsed.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  parsed.samples.forEach((id, i) => {
    const dt = parsed.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (node === undefined) return;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n === undefined) break;
      const k = label(n.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  });
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .filter(([k]) => k !== '(root)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, ms: us / 1000, share: total > 0 ? us / total : 0 }));
  return { totalMs: total / 1000, self: rank(self), inclusive: rank(incl) };
}

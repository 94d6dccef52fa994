/**
 * Online garbage collection. Decided on one snapshot of the metadata:
 * 1. manifests kept: tagged ones, their index children and their referrers (transitively), and
 *    anything younger than the safety window (a push in flight); the rest go;
 * 2. blob links kept: those some kept manifest of the repository references, and links younger
 *    than the window (blobs uploaded for a manifest not yet pushed);
 * 3. blob files go when no kept link or kept manifest names them and the file is older than the
 *    window. Each deletion re-checks the database first, so a tag or link made since the snapshot
 *    wins. Dry run by default: the report says what would go.
 * Known window: a manifest put between the re-check and the unlink of a blob it names (a few
 * milliseconds, and only for blobs unreferenced for longer than the safety window) fails later
 * pulls of that blob; run GC off-peak or with a longer window.
 */
import type { BlobStore } from './blobs.ts';
import type { RegistryMetadata } from './metadata.ts';

export interface GcOptions {
  /** Delete (default false: report only). */
  readonly delete?: boolean;
  /** Keep anything younger than this (default 1 hour). */
  readonly safetyWindowMs?: number;
  /** Abandoned upload sessions older than this go (default 24 hours). */
  readonly uploadMaxAgeMs?: number;
  readonly now?: number;
}

export const DEFAULT_GC_SAFETY_WINDOW_MS = 60 * 60 * 1000;
export const DEFAULT_GC_UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface GcReport {
  readonly dryRun: boolean;
  readonly manifests: readonly { repository: string; digest: string }[];
  readonly blobLinks: readonly { repository: string; digest: string }[];
  readonly blobs: readonly { digest: string; size: number }[];
  readonly bytes: number;
  readonly uploads: readonly string[];
}

export async function collectGarbage(meta: RegistryMetadata, blobs: BlobStore, options: GcOptions = {}): Promise<GcReport> {
  const dryRun = options.delete !== true;
  const now = options.now ?? Date.now();
  const before = now - (options.safetyWindowMs ?? DEFAULT_GC_SAFETY_WINDOW_MS);
  const snap = await meta.gcSnapshot();
  const key = (r: string, d: string): string => `${r}\n${d}`;

  // 1. Manifests.
  const children = new Map<string, string[]>();
  const blobRefs = new Map<string, string[]>();
  for (const r of snap.refs) {
    const map = r.kind === 'manifest' ? children : blobRefs;
    const k = key(r.repository, r.digest);
    const list = map.get(k) ?? [];
    list.push(r.kind === 'manifest' ? key(r.repository, r.child) : r.child);
    map.set(k, list);
  }
  const referrersOf = new Map<string, string[]>();
  for (const m of snap.manifests) {
    if (m.subject === undefined) continue;
    const k = key(m.repository, m.subject);
    const list = referrersOf.get(k) ?? [];
    list.push(key(m.repository, m.digest));
    referrersOf.set(k, list);
  }
  const kept = new Set<string>();
  const queue: string[] = [];
  const keep = (k: string): void => {
    if (kept.has(k)) return;
    kept.add(k);
    queue.push(k);
  };
  for (const t of snap.tags) keep(key(t.repository, t.digest));
  for (const m of snap.manifests) if (m.createdAt >= before) keep(key(m.repository, m.digest));
  while (queue.length > 0) {
    const k = queue.pop()!;
    for (const c of children.get(k) ?? []) keep(c);
    for (const c of referrersOf.get(k) ?? []) keep(c);
  }
  const doomedManifests = snap.manifests.filter((m) => !kept.has(key(m.repository, m.digest))).map((m) => ({ repository: m.repository, digest: m.digest }));

  // 2. Blob links.
  const usedInRepo = new Set<string>();
  const usedAnywhere = new Set<string>();
  for (const m of snap.manifests) {
    const k = key(m.repository, m.digest);
    if (!kept.has(k)) continue;
    for (const d of blobRefs.get(k) ?? []) {
      usedInRepo.add(key(m.repository, d));
      usedAnywhere.add(d);
    }
  }
  const doomedLinks: { repository: string; digest: string }[] = [];
  for (const l of snap.links) {
    if (l.createdAt >= before || usedInRepo.has(key(l.repository, l.digest))) usedAnywhere.add(l.digest);
    else doomedLinks.push({ repository: l.repository, digest: l.digest });
  }

  // 3. Blob files.
  const doomedBlobs: { digest: string; size: number; path: string }[] = [];
  for await (const b of blobs.list()) {
    if (b.mtimeMs >= before || usedAnywhere.has(b.digest)) continue;
    doomedBlobs.push(b);
  }

  const uploadBefore = now - (options.uploadMaxAgeMs ?? DEFAULT_GC_UPLOAD_MAX_AGE_MS);
  const stale = await meta.staleUploads(uploadBefore);
  const orphanFiles = (await blobs.listUploads()).filter((u) => u.mtimeMs < uploadBefore).map((u) => u.id);
  const uploads = [...new Set([...stale, ...orphanFiles])].sort();

  if (dryRun) {
    return {
      dryRun,
      manifests: doomedManifests,
      blobLinks: doomedLinks,
      blobs: doomedBlobs.map(({ digest, size }) => ({ digest, size })),
      bytes: doomedBlobs.reduce((n, b) => n + b.size, 0),
      uploads,
    };
  }
  const manifests: { repository: string; digest: string }[] = [];
  for (const m of doomedManifests) if (await meta.deleteManifestIfUntagged(m.repository, m.digest, before)) manifests.push(m);
  const blobLinks: { repository: string; digest: string }[] = [];
  for (const l of doomedLinks) if (await meta.deleteBlobLinkIfOlder(l.repository, l.digest, before)) blobLinks.push(l);
  const gone: { digest: string; size: number }[] = [];
  for (const b of doomedBlobs) {
    if (await meta.blobInUse(b.digest)) continue;
    await blobs.removeBlobFile(b.path);
    gone.push({ digest: b.digest, size: b.size });
  }
  for (const id of uploads) {
    await meta.deleteUpload(id);
    await blobs.deleteUpload(id).catch(() => undefined);
  }
  return { dryRun, manifests, blobLinks, blobs: gone, bytes: gone.reduce((n, b) => n + b.size, 0), uploads };
}

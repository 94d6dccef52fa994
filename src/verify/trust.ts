/**
 * Trust material: a `trusted_root.json` (sigstore/protobuf-specs `sigstore_trustroot.proto`) given
 * by the caller, or the public Sigstore root through @sigstore/tuf (offline, from its embedded seed
 * and cache). Each root is turned into @sigstore/verify trust material once and cached.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { VouchError } from '../core/index.ts';
import { MAX_BUNDLE_BYTES } from '../formats/sigstore/index.ts';

const EMPTY_ROOT = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

/** Parsed roots by the caller's object (or text), so a long-lived process parses each root once. */
const parsedByObject = new WeakMap<object, TrustedRoot>();
const parsedByText = new Map<string, TrustedRoot>();
const materialCache = new WeakMap<TrustedRoot, Map<string, TrustMaterial>>();

export function parseTrustedRoot(input: unknown): TrustedRoot {
  if (typeof input === 'object' && input !== null && !(input instanceof Uint8Array)) {
    const hit = parsedByObject.get(input);
    if (hit) return hit;
    const root = fromJson(input);
    parsedByObject.set(input, root);
    return root;
  }
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new VouchError('TRUSTED_ROOT_INVALID', 'the trusted root must be JSON');
  if (input.length > MAX_BUNDLE_BYTES) throw new VouchError('TRUSTED_ROOT_INVALID', 'the trusted root is over the size cap');
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const key = createHash('sha256').update(text).digest('hex');
  const hit = parsedByText.get(key);
  if (hit) return hit;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VouchError('TRUSTED_ROOT_INVALID', `the trusted root is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const root = fromJson(json);
  if (parsedByText.size > 32) parsedByText.clear();
  parsedByText.set(key, root);
  return root;
}

function fromJson(json: unknown): TrustedRoot {
  const mt = (json as { mediaType?: unknown }).mediaType;
  if (typeof mt !== 'string' || !mt.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    throw new VouchError('TRUSTED_ROOT_INVALID', `not a Sigstore trusted root (mediaType ${JSON.stringify(mt)})`);
  }
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(json);
  } catch (err) {
    throw new VouchError('TRUSTED_ROOT_INVALID', `malformed trusted root: ${(err as Error).message}`, { cause: err });
  }
  // sigstore_trustroot.proto: every validity period's `start` is REQUIRED; a missing one must not
  // read as "valid since forever" (sigstore-js does read it so; conformance
  // trust-root-tlog-missing-validity-start_fail).
  const missing = (what: string, list: readonly { validFor?: { start?: Date } }[]): void => {
    list.forEach((x, i) => {
      if (!x.validFor?.start) throw new VouchError('TRUSTED_ROOT_INVALID', `malformed trusted root: ${what}[${i}] has no validFor.start`);
    });
  };
  missing('tlogs', root.tlogs.map((t) => t.publicKey ?? {}));
  missing('ctlogs', root.ctlogs.map((t) => t.publicKey ?? {}));
  missing('certificateAuthorities', root.certificateAuthorities);
  missing('timestampAuthorities', root.timestampAuthorities);
  return root;
}

let emptyRoot: TrustedRoot | undefined;
export function emptyTrustedRoot(): TrustedRoot {
  emptyRoot ??= TrustedRoot.fromJSON(EMPTY_ROOT);
  return emptyRoot;
}

/**
 * Trust material for a root and, for key-based bundles, the caller's key (cosign `--key`: the key
 * is trusted for whatever hint the bundle names, at any time).
 */
export function trustMaterialFor(root: TrustedRoot, key: { pem: string; object: KeyObject } | undefined): TrustMaterial {
  let perRoot = materialCache.get(root);
  if (!perRoot) {
    perRoot = new Map();
    materialCache.set(root, perRoot);
  }
  const id = key?.pem ?? '';
  let tm = perRoot.get(id);
  if (!tm) {
    tm = key ? toTrustMaterial(root, () => ({ publicKey: key.object, validFor: () => true })) : toTrustMaterial(root);
    if (perRoot.size > 64) perRoot.clear();
    perRoot.set(id, tm);
  }
  return tm;
}

let defaultRoot: Promise<TrustedRoot> | undefined;

export interface DefaultRootOptions {
  /** Refresh the public root over the network through TUF (@sigstore/tuf) instead of the embedded seed. */
  readonly tufRefresh?: boolean;
  /** Where @sigstore/tuf keeps its metadata cache when refreshing (default: a folder under the OS temp dir). */
  readonly tufCachePath?: string;
  /** The clock (tests). */
  readonly now?: Date;
}

const PUBLIC_GOOD_MIRROR = 'https://tuf-repo-cdn.sigstore.dev';

/**
 * The public-good root from @sigstore/tuf's embedded seed (its `seeds.json`: the TUF root.json
 * and the trusted_root.json target), with no network. Offline, TUF cannot refresh an expired root,
 * so an expired embedded root is an error (TRUSTED_ROOT_EXPIRED) rather than silently trusted.
 */
function embeddedTrustedRoot(now: Date): TrustedRoot {
  let seed: { 'root.json': string; targets: Record<string, string> } | undefined;
  try {
    const main = createRequire(import.meta.url).resolve('@sigstore/tuf');
    const seeds = JSON.parse(readFileSync(join(dirname(main), '..', 'seeds.json'), 'utf8')) as Record<string, typeof seed>;
    seed = seeds[PUBLIC_GOOD_MIRROR];
  } catch (err) {
    throw new VouchError('TRUSTED_ROOT_INVALID', `cannot read @sigstore/tuf's embedded seed: ${(err as Error).message}`, { cause: err, hint: 'pass --trusted-root trusted_root.json' });
  }
  const target = seed?.targets['trusted_root.json'];
  if (!seed || target === undefined) throw new VouchError('TRUSTED_ROOT_INVALID', '@sigstore/tuf has no embedded public-good trusted root', { hint: 'pass --trusted-root trusted_root.json' });
  const root = JSON.parse(Buffer.from(seed['root.json'], 'base64').toString('utf8')) as { signed?: { expires?: string; version?: number } };
  const expires = root.signed?.expires;
  if (expires === undefined || !(Date.parse(expires) > now.getTime())) {
    throw new VouchError('TRUSTED_ROOT_EXPIRED', `the embedded Sigstore TUF root (version ${root.signed?.version ?? '?'}) expired ${expires ?? '(no date)'} and cannot be refreshed offline`, {
      hint: 'pass --trusted-root trusted_root.json (e.g. from the sigstore/root-signing repository or `cosign trusted-root create`)',
    });
  }
  return parseTrustedRoot(Buffer.from(target, 'base64'));
}

/** The public-good Sigstore root: the embedded seed (offline, default) or a TUF refresh. */
export function loadDefaultTrustedRoot(options: DefaultRootOptions = {}): Promise<TrustedRoot> {
  const now = options.now;
  if (now !== undefined) return Promise.resolve().then(() => embeddedTrustedRoot(now));
  if (options.tufRefresh !== true) {
    defaultRoot ??= Promise.resolve().then(() => embeddedTrustedRoot(new Date()));
    return defaultRoot.catch((err: unknown) => {
      defaultRoot = undefined;
      throw err;
    });
  }
  return (async () => {
    const { getTrustedRoot } = await import('@sigstore/tuf');
    try {
      return await getTrustedRoot({ cachePath: options.tufCachePath ?? join(tmpdir(), 'vouch-tuf'), retry: false, timeout: 10_000 });
    } catch (err) {
      throw new VouchError('TRUSTED_ROOT_INVALID', `cannot refresh the Sigstore trusted root through TUF: ${(err as Error).message}`, { cause: err, hint: 'pass --trusted-root trusted_root.json' });
    }
  })();
}

import type { Package } from './index.ts';

/** Metadata keys that hold the URL a package was downloaded from (npm lockfiles call it `resolved`). */
export const DOWNLOAD_URL_KEYS = ['resolved', 'resolvedUrl', 'downloadUrl', 'downloadLocation'] as const;

/**
 * Where a package was downloaded from, for the writers (CycloneDX `distribution` external
 * reference, SPDX `downloadLocation`): the first of DOWNLOAD_URL_KEYS in its metadata that is
 * an absolute http(s) URL. Anything else (file paths, `git+ssh`) is not a download location.
 */
export function downloadUrl(pkg: Package): string | undefined {
  for (const k of DOWNLOAD_URL_KEYS) {
    const v = pkg.metadata?.[k];
    if (v !== undefined && /^https?:\/\/[^\s]+$/i.test(v)) {
      try {
        return new URL(v).href;
      } catch {
        /* not a URL: try the next key */
      }
    }
  }
  return undefined;
}

/**
 * The contract between image *sources* (where an image's bytes come from: an OCI layout, an
 * oci-archive, a docker-archive, a registry) and the image *resolver* (the filesystem view
 * catalogers read). Sources know manifests and blobs; the resolver knows tar and whiteouts.
 */
import type { Readable } from 'node:stream';
import type { Limits, Logger } from '../../../core/index.ts';
import type { ImageDescription } from '../../../formats/model/index.ts';

export type ImageTransport = 'oci-dir' | 'oci-archive' | 'docker-archive' | 'registry';

export interface ImageTarget {
  readonly transport: ImageTransport;
  /** Path of the layout/archive, or the registry reference as written (`nginx`, `localhost:5000/a/b@sha256:...`). */
  readonly ref: string;
}

export interface ImageOpenOptions {
  /** `os/arch[/variant]`; default: the host's (linux/amd64 on x86-64). */
  readonly platform?: string;
  /** Registry: allow plain HTTP and unverified TLS for a host that is not localhost. */
  readonly insecure?: boolean;
  /** Registry: `USER:PASSWORD`, overriding the Docker config files. */
  readonly creds?: string;
  readonly limits: Limits;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** One image (one platform), opened. */
export interface ImageSource {
  readonly description: ImageDescription;
  /**
   * The layer blob `index` (0 = bottom) as stored: compressed or not, as its media type says.
   * The stream errors with a DIGEST_MISMATCH VouchError at its end if the bytes do not match
   * the descriptor's digest (or size): consumers must not trust content before the end.
   */
  openLayer(index: number): Promise<Readable>;
  /** Release files, sockets and temporary folders. Always called, also after errors. */
  close(): Promise<void>;
}

/** Which filesystem the catalogers see: what the running container sees, or every layer's files. */
export type ImageScope = 'squashed' | 'all-layers';

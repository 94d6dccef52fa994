/**
 * Open an image target into a filesystem view for the catalogers: pick the source by
 * transport, then index its layers with the ImageResolver. Everything is released by close(),
 * also when opening fails half-way.
 */
import type { Limits, Logger } from '../../../core/index.ts';
import type { ImageDescription, Warning } from '../../../formats/model/index.ts';
import type { FileResolver } from '../resolver.ts';
import { openDockerArchive } from './docker-archive.ts';
import { openOciArchive } from './oci-archive.ts';
import { openOciLayout } from './oci-layout.ts';
import { openRegistryImage } from './registry.ts';
import { ImageResolver, type ImageResolverOptions } from './resolver.ts';
import type { ImageOpenOptions, ImageScope, ImageSource, ImageTarget } from './types.ts';

export type { ImageOpenOptions, ImageScope, ImageSource, ImageTarget, ImageTransport } from './types.ts';

export interface OpenedImage {
  readonly description: ImageDescription;
  readonly resolver: FileResolver;
  readonly warnings: readonly Warning[];
  close(): Promise<void>;
}

export async function openImageSource(target: ImageTarget, options: ImageOpenOptions): Promise<ImageSource> {
  switch (target.transport) {
    case 'oci-dir':
      return openOciLayout(target.ref, options);
    case 'oci-archive':
      return openOciArchive(target.ref, options);
    case 'docker-archive':
      return openDockerArchive(target.ref, options);
    case 'registry':
      return openRegistryImage(target.ref, options);
  }
}

export async function openImageResolver(
  target: ImageTarget,
  options: ImageOpenOptions & {
    readonly scope: ImageScope;
    readonly limits: Limits;
    readonly logger: Logger;
    /** What to keep of each file while the layers are indexed (ImageResolverOptions.capture). */
    readonly capture?: ImageResolverOptions['capture'];
  },
): Promise<OpenedImage> {
  const source = await openImageSource(target, options);
  let resolver: ImageResolver;
  try {
    resolver = await ImageResolver.open(source, {
      scope: options.scope,
      limits: options.limits,
      logger: options.logger,
      ...(options.capture === undefined ? {} : { capture: options.capture }),
    });
  } catch (err) {
    await source.close();
    throw err;
  }
  return {
    description: source.description,
    resolver,
    warnings: resolver.warnings,
    close: async () => {
      try {
        await resolver.close();
      } finally {
        await source.close();
      }
    },
  };
}

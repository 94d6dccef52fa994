/**
 * `oci-archive:FILE`: a tar of an OCI image layout (`skopeo copy … oci-archive:FILE`,
 * `docker buildx --output type=oci`). The archive is not extracted: one pass over its headers
 * indexes each member's offset and size, and blobs are then read by byte range from the file.
 * Only plain (uncompressed) tar is accepted; a gzipped archive is refused with a hint.
 */
import { openLayoutImage, TarStore } from './local.ts';
import type { ImageOpenOptions, ImageSource } from './types.ts';

export async function openOciArchive(file: string, options: ImageOpenOptions): Promise<ImageSource> {
  const store = await TarStore.open(file, `oci-archive ${file}`);
  return openLayoutImage(store, options, { reference: file });
}

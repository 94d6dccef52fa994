/**
 * `oci-dir:PATH`: an OCI image layout directory (image-spec image-layout.md), as written by
 * skopeo, umoci, buildah, `docker buildx --output type=oci,tar=false` or crane. Blobs are read in
 * place; a symlinked blob leading out of the directory is refused (PATH_ESCAPE).
 */
import { DirectoryStore, openLayoutImage } from './local.ts';
import type { ImageOpenOptions, ImageSource } from './types.ts';

export async function openOciLayout(path: string, options: ImageOpenOptions): Promise<ImageSource> {
  const store = await DirectoryStore.open(path, `OCI layout ${path}`);
  return openLayoutImage(store, options, { reference: path });
}

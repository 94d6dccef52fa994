/**
 * Targets as the user writes them, syft's way:
 *   dir:PATH, file:PATH                        a source tree or one file
 *   oci-dir:PATH, oci-archive:FILE, docker-archive:FILE   a local image
 *   registry:REF                               an image pulled from a registry
 *   a bare path (a directory or file, decided by what is there), else a bare image reference.
 */
import { stat } from 'node:fs/promises';
import { VouchError } from '../core/index.ts';
import type { ImageTransport } from './source/image/types.ts';

export type Target =
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'image'; readonly transport: ImageTransport; readonly ref: string };

const SCHEME = /^([a-z][a-z0-9+-]*):(.*)$/s;
const IMAGE_SCHEMES: Readonly<Record<string, ImageTransport>> = {
  'oci-dir': 'oci-dir',
  'oci-archive': 'oci-archive',
  'docker-archive': 'docker-archive',
  registry: 'registry',
};
const KNOWN = ['dir', 'file', ...Object.keys(IMAGE_SCHEMES)];

/**
 * What a bare image reference may look like (distribution/reference's grammar, loosely: the
 * registry client validates it fully). A bare argument that is neither an existing path nor
 * this shape is a usage error rather than a network request.
 */
const REFERENCE_SHAPE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$/;

export async function parseTarget(input: string): Promise<Target> {
  if (input === '') throw new VouchError('BAD_TARGET', 'empty target');
  const m = SCHEME.exec(input);
  // A one-letter "scheme" is a Windows drive letter, not a scheme.
  if (m && m[1]!.length > 1 && KNOWN.includes(m[1]!)) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if (rest === '') throw new VouchError('BAD_TARGET', `${input}: missing ${scheme === 'registry' ? 'reference' : 'path'} after "${scheme}:"`);
    if (scheme === 'dir') return { kind: 'directory', path: rest };
    if (scheme === 'file') return { kind: 'file', path: rest };
    return { kind: 'image', transport: IMAGE_SCHEMES[scheme]!, ref: rest };
  }
  const st = await stat(input).catch(() => undefined);
  if (st) return st.isDirectory() ? { kind: 'directory', path: input } : { kind: 'file', path: input };
  if (REFERENCE_SHAPE.test(input)) return { kind: 'image', transport: 'registry', ref: input };
  const schemes = `known schemes: ${KNOWN.map((k) => `${k}:`).join(', ')}`;
  if (m && m[1]!.length > 1) throw new VouchError('BAD_TARGET', `unknown target scheme "${m[1]}:"`, { hint: schemes });
  throw new VouchError('TARGET_NOT_FOUND', `${input}: no such file or directory`, { hint: `not an image reference either; ${schemes}` });
}

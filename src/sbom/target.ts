/**
 * Targets as the user writes them: `dir:PATH`, `file:PATH`, or a bare path (a directory or
 * a file, decided by what is there). Image schemes arrive with the images issue.
 */
import { stat } from 'node:fs/promises';
import { VouchError } from '../core/index.ts';

export type Target = { readonly kind: 'directory'; readonly path: string } | { readonly kind: 'file'; readonly path: string };

const SCHEME = /^([a-z][a-z0-9+-]*):(.*)$/;
const KNOWN = ['dir', 'file'] as const;

export async function parseTarget(input: string): Promise<Target> {
  if (input === '') throw new VouchError('BAD_TARGET', 'empty target');
  const m = SCHEME.exec(input);
  // A one-letter "scheme" is a Windows drive letter, not a scheme.
  if (m && m[1]!.length > 1) {
    const [, scheme, rest] = m as unknown as [string, string, string];
    if (rest === '') throw new VouchError('BAD_TARGET', `${input}: missing path after "${scheme}:"`);
    if (scheme === 'dir') return { kind: 'directory', path: rest };
    if (scheme === 'file') return { kind: 'file', path: rest };
    // Not a scheme we know: it may still be a path that contains a colon.
    if (!(await exists(input))) {
      throw new VouchError('BAD_TARGET', `unknown target scheme "${scheme}:"`, { hint: `known schemes: ${KNOWN.map((k) => `${k}:`).join(', ')}` });
    }
  }
  const st = await stat(input).catch((err: unknown) => {
    throw new VouchError('TARGET_NOT_FOUND', `${input}: no such file or directory`, { cause: err });
  });
  return st.isDirectory() ? { kind: 'directory', path: input } : { kind: 'file', path: input };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

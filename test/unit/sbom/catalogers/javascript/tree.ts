/** Build throw-away project trees for the JavaScript cataloger tests. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Files by POSIX path; objects are written as JSON. */
export type TreeSpec = Readonly<Record<string, string | object>>;

export async function withTree(files: TreeSpec, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vouch-js-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      const abs = join(dir, ...path.split('/'));
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    }
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** An installed package.json. */
export function pkg(name: string, version: string, extra: object = {}): object {
  return { name, version, ...extra };
}

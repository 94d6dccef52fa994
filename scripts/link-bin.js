// Run by `npm run prepare` (so by `npm ci` / `npm install` in this repository): link the
// `vouch` executable into node_modules/.bin, where `npx vouch` and npm scripts look for it.
// npm links the bins of dependencies there, but never the project's own.
import { chmodSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const binDir = join(root, 'node_modules', '.bin');
if (existsSync(join(root, 'node_modules'))) {
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, 'vouch');
  rmSync(link, { force: true });
  symlinkSync('../../dist/cli/bin.js', link);
  chmodSync(join(root, 'dist', 'cli', 'bin.js'), 0o755);
}

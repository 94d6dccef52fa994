#!/usr/bin/env node
// The `vouch` executable. Everything else lives in main.ts so tests can call it in-process.
// The compile cache (Node ≥ 22.1) keeps V8's compiled code of Vouch and its libraries between
// runs: start-up drops by about half. It is loaded dynamically so that the cache is on first.
import module from 'node:module';

module.enableCompileCache?.();
// Vouch needs Node 22.22+ or 24 (node:sqlite, zstd): say so in one line rather than fail on an import.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22)) {
  process.stderr.write(`error: Vouch needs Node 22.22 or later (24 recommended); this is Node ${process.versions.node} [USAGE]\nhint: run it through npm (npx vouch, npm start), which uses the Node 24 the project installs\n`);
  process.exit(2);
}
// `vouch sbom . | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('./main.ts');
const { guardUnsettled } = await import('./unsettled.ts');
// An await that never settles is an internal error (exit 3), not Node's warning and exit 13.
const settled = guardUnsettled(process, process.stderr);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
settled();

#!/usr/bin/env node
// The `vouch` executable. Everything else lives in main.ts so tests can call it in-process.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });

/**
 * The distribution conformance suite against Vouch's registry, on both metadata backends:
 * SQLite (the default) and a real PostgreSQL (test/helpers/postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startServer, type RunningServer } from '../../../src/servers/http/index.ts';
import { createRegistryService } from '../../../src/servers/registry/index.ts';
import { startPostgres, type Postgres } from '../../helpers/postgres.ts';
import { defineDistributionSuite } from './suite.ts';

async function startVouch(dbUrl?: string): Promise<{ server: RunningServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vouch-conf-'));
  const service = await createRegistryService({ dataDir: dir, ...(dbUrl === undefined ? {} : { dbUrl }) });
  const server = await startServer({ host: '127.0.0.1', port: 0, services: [service] });
  return { server, dir };
}

describe('distribution-spec v1.1 conformance: Vouch on SQLite', () => {
  let running: { server: RunningServer; dir: string };
  before(async () => {
    running = await startVouch();
  });
  after(async () => {
    await running.server.close();
    rmSync(running.dir, { recursive: true, force: true });
  });
  defineDistributionSuite('vouch-sqlite', () => running.server.url);
});

const pg = await startPostgres();
describe('distribution-spec v1.1 conformance: Vouch on PostgreSQL', { skip: pg === undefined ? 'PostgreSQL is not installed' : false }, () => {
  let running: { server: RunningServer; dir: string };
  before(async () => {
    running = await startVouch((pg as Postgres).createDatabase('conformance'));
  });
  after(async () => {
    await running.server.close();
    rmSync(running.dir, { recursive: true, force: true });
    pg?.destroy();
  });
  defineDistributionSuite('vouch-postgres', () => running.server.url);
});

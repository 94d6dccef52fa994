/**
 * CNCF distribution (Debian's `docker-registry`, 2.8) on 127.0.0.1 for tests and benchmarks: a
 * private config and storage folder, deletes enabled, optional auth (YAML lines under `auth:`),
 * started on a free port (retried if the port was taken meanwhile) and ready when `/v2/` answers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

export const DOCKER_REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface DockerRegistryOptions {
  /** Storage root (default: a private temporary folder, removed by stop()). */
  readonly storage?: string;
  /** YAML lines of an `auth:` section (htpasswd or token), or undefined for none. */
  readonly auth?: string;
}

export interface DockerRegistry {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly version: string;
  /** SIGTERM (SIGKILL after 5 s), then remove the private folder. Idempotent. */
  stop(): Promise<void>;
}

export function hasDockerRegistry(): boolean {
  return existsSync(DOCKER_REGISTRY_BINARY);
}

/** undefined when docker-registry is not installed (the caller skips with that reason). */
export async function startDockerRegistry(options: DockerRegistryOptions = {}): Promise<DockerRegistry | undefined> {
  if (!hasDockerRegistry()) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'vouch-distribution-'));
  const storage = options.storage ?? join(dir, 'data');
  mkdirSync(storage, { recursive: true });
  const version = spawnSync(DOCKER_REGISTRY_BINARY, ['--version'], { encoding: 'utf8' }).stdout.trim();
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${storage}`,
        '  delete:',
        '    enabled: true',
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  secret: ${randomBytes(16).toString('hex')}`,
        ...(options.auth === undefined ? [] : [options.auth]),
        '',
      ].join('\n'),
    );
    const child: ChildProcess = spawn(DOCKER_REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (d: Buffer): void => {
      log = (log + d.toString()).slice(-8192);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const stopChild = async (): Promise<void> => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    };
    const host = `127.0.0.1:${port}`;
    try {
      await ready(`http://${host}/v2/`, child, () => log);
    } catch (err) {
      await stopChild();
      if (attempt >= 2) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      continue;
    }
    let stopped = false;
    return {
      host,
      url: `http://${host}`,
      version,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopChild();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

async function ready(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited:\n${log()}`);
    try {
      // 200 without auth, 401 with: either way it is serving.
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`docker-registry did not answer on ${url}:\n${log()}`);
}

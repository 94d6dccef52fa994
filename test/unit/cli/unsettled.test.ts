import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { UNSETTLED_EXIT_CODE, UNSETTLED_MESSAGE, guardUnsettled, type ExitingProcess } from '../../../src/cli/unsettled.ts';

const HELPER = new URL('../../../src/cli/unsettled.ts', import.meta.url).href;

/** A process stand-in: exit() records its code instead of exiting. */
class FakeProcess extends EventEmitter implements ExitingProcess {
  readonly exits: number[] = [];
  exit(code: number): never {
    this.exits.push(code);
    return undefined as never;
  }
}

describe('guardUnsettled', () => {
  it('an exit before settled() says so on stderr and exits 3', () => {
    const proc = new FakeProcess();
    let err = '';
    guardUnsettled(proc, { write: (t: string) => (err += t) });
    proc.emit('beforeExit', 0);
    assert.equal(err, 'error: internal: the operation stopped without finishing [INTERNAL]\n');
    assert.deepEqual(proc.exits, [3]);
  });

  it('after settled(), an exit is left alone', () => {
    const proc = new FakeProcess();
    let err = '';
    const settled = guardUnsettled(proc, { write: (t: string) => (err += t) });
    settled();
    proc.emit('beforeExit', 0);
    assert.equal(err, '');
    assert.deepEqual(proc.exits, []);
    assert.equal(proc.listenerCount('beforeExit'), 0);
  });

  it('in a real process, a top-level await that never settles exits 3 instead of Node 13', () => {
    const script = `import { guardUnsettled } from ${JSON.stringify(HELPER)};
const settled = guardUnsettled(process, process.stderr);
await new Promise(() => {});
settled();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, UNSETTLED_EXIT_CODE, r.stderr);
    assert.equal(r.stderr, UNSETTLED_MESSAGE);
  });

  it('in a real process, a settled await exits as it says', () => {
    const script = `import { guardUnsettled } from ${JSON.stringify(HELPER)};
const settled = guardUnsettled(process, process.stderr);
process.exitCode = await new Promise((resolve) => setTimeout(() => resolve(2), 10));
settled();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, '');
  });
});

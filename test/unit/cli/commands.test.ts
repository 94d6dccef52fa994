import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS } from '../../../src/cli/commands/index.ts';

test('every command entry loads a command of the same name and summary', async () => {
  const names = new Set<string>();
  for (const entry of COMMANDS) {
    assert.ok(!names.has(entry.name), `${entry.name} listed twice`);
    names.add(entry.name);
    const cmd = await entry.load();
    assert.equal(cmd.name, entry.name);
    assert.equal(cmd.summary, entry.summary, `summary of ${entry.name}`);
    assert.match(cmd.help, /Examples?:/, `help of ${entry.name} has examples`);
  }
});

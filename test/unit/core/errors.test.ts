import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES, exitCodeOf, VouchError, wrapError } from '../../../src/core/index.ts';

const DOC = new URL('../../../docs/errors.md', import.meta.url);

/** Rows of the table in docs/errors.md: | `CODE` | exit | meaning | */
function documented(): Map<string, { exit: number; description: string }> {
  const rows = new Map<string, { exit: number; description: string }>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\| `([A-Z0-9_]+)` \| (\d) \| (.*) \|$/.exec(line);
    if (m) {
      assert.ok(!rows.has(m[1]!), `${m[1]} documented twice`);
      rows.set(m[1]!, { exit: Number(m[2]), description: m[3]!.replaceAll('\\|', '|') });
    }
  }
  return rows;
}

test('every error code is documented in docs/errors.md with its exit status and meaning, and nothing else is', () => {
  const docs = documented();
  assert.deepEqual([...docs.keys()].sort(), Object.keys(ERROR_CODES).sort());
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    assert.equal(docs.get(code)?.exit, spec.exit, `exit status of ${code}`);
    assert.equal(docs.get(code)?.description, spec.description, `meaning of ${code}`);
  }
});

test('exit statuses follow the README table', () => {
  assert.equal(new VouchError('USAGE', 'x').exitCode, 2);
  assert.equal(new VouchError('IO_ERROR', 'x').exitCode, 3);
  assert.equal(exitCodeOf(new Error('plain')), 3);
  for (const spec of Object.values(ERROR_CODES)) assert.ok([1, 2, 3].includes(spec.exit));
});

test('wrapError keeps the cause and passes VouchErrors through', () => {
  const inner = new Error('disk on fire');
  const wrapped = wrapError(inner, 'IO_ERROR', 'cannot read x');
  assert.equal(wrapped.code, 'IO_ERROR');
  assert.equal(wrapped.message, 'cannot read x: disk on fire');
  assert.equal(wrapped.cause, inner);
  const v = new VouchError('PARSE_ERROR', 'bad');
  assert.equal(wrapError(v, 'IO_ERROR', 'y'), v);
});

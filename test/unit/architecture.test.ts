/**
 * The layer rules of ARCHITECTURE.md are enforced by lint; this proves the rules fire, on
 * the project's real eslint.config.js, so a refactor of the config cannot silently drop them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';

const ROOT = new URL('../..', import.meta.url).pathname;

async function lint(file: string, code: string): Promise<string[]> {
  // Existing files of the project are linted with the project's own config; the probe's
  // text replaces the file's content, so nothing is written.
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

test('a lower layer importing a higher one fails lint', async () => {
  const msgs = await lint('src/core/limits.ts', "import { buildInventory } from '../sbom/index.ts';\nexport const x = buildInventory;\n");
  assert.ok(
    msgs.some((m) => m.startsWith('import-x/no-restricted-paths') && m.includes('core may not import sbom')),
    msgs.join('\n'),
  );
  const fmt = await lint('src/formats/table/index.ts', "import { ALL_CATALOGERS } from '../../sbom/index.ts';\nexport const x = ALL_CATALOGERS;\n");
  assert.ok(fmt.some((m) => m.includes('formats may not import sbom')), fmt.join('\n'));
});

test("reaching past another area's index.ts fails lint", async () => {
  const msgs = await lint('src/sbom/inventory.ts', "import { VouchError } from '../core/errors.ts';\nexport const x = VouchError;\n");
  assert.ok(msgs.some((m) => m.startsWith('no-restricted-imports')), msgs.join('\n'));
});

test('allowed imports pass', async () => {
  const msgs = await lint('src/sbom/inventory.ts', "import { VouchError } from '../core/index.ts';\nexport const x = VouchError;\n");
  assert.deepEqual(
    msgs.filter((m) => m.startsWith('import-x/no-restricted-paths') || m.startsWith('no-restricted-imports')),
    [],
  );
});

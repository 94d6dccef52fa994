/**
 * The distribution conformance suite as node:test tests: `defineDistributionSuite(name, base)`
 * adds one test per requirement against the registry at `base()` (called when the tests run,
 * so a `before` hook can start the server).
 */
import { test } from 'node:test';
import { REQUIREMENTS, repositoryFor } from './requirements.ts';

export function defineDistributionSuite(target: string, base: () => string): void {
  for (const r of REQUIREMENTS) {
    test(`${target}: [${r.level}] ${r.id}: ${r.text}`, async () => {
      await r.run({ base: base() }, repositoryFor(r));
    });
  }
}

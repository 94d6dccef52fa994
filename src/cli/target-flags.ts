/**
 * The flags every command that reads a `vouch sbom` target shares (`sbom`, `scan`): what to walk,
 * which image and how to reach its registry. One place, so the commands accept the same spelling
 * and the same values.
 */
import { VouchError } from '../core/index.ts';
import type { InventoryOptions } from '../sbom/index.ts';
import type { OptionSpec } from './args.ts';

export const TARGET_FLAGS = {
  exclude: { type: 'string', multiple: true },
  'no-dev': { type: 'boolean' },
  platform: { type: 'string' },
  scope: { type: 'string' },
  insecure: { type: 'boolean' },
  creds: { type: 'string' },
} as const satisfies OptionSpec;

export interface TargetFlagValues {
  readonly exclude?: string[] | undefined;
  readonly 'no-dev'?: boolean | undefined;
  readonly platform?: string | undefined;
  readonly scope?: string | undefined;
  readonly insecure?: boolean | undefined;
  readonly creds?: string | undefined;
}

/** The inventory options those flags ask for (`--scope` checked: a bad value is a usage error). */
export function targetOptions(values: TargetFlagValues, env: NodeJS.ProcessEnv): InventoryOptions {
  const scope = values.scope ?? 'squashed';
  if (scope !== 'squashed' && scope !== 'all-layers') throw new VouchError('USAGE', `--scope must be squashed or all-layers, got "${scope}"`);
  return {
    includeDev: values['no-dev'] !== true,
    exclude: values.exclude ?? [],
    scope,
    env,
    ...(values.platform === undefined ? {} : { platform: values.platform }),
    ...(values.insecure === true ? { insecure: true } : {}),
    ...(values.creds === undefined ? {} : { creds: values.creds }),
  };
}

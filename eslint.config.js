// Lint: typescript-eslint recommendedTypeChecked plus the architecture's import zones.
// The layers (ARCHITECTURE.md): core (L0) → formats (L1) → clients/sbom/scan/sign/verify/policy (L2)
// → servers (L3) → cli (L4). A zone forbids a layer from importing any layer above it, and
// lists the same-layer areas it may not import.
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const L2 = ['clients', 'sbom', 'scan', 'sign', 'verify', 'policy'];
const above = {
  core: ['formats', ...L2, 'servers', 'cli'],
  formats: [...L2, 'servers', 'cli'],
  ...Object.fromEntries(L2.map((a) => [a, [...L2.filter((b) => b !== a), 'servers', 'cli']])),
  servers: ['cli'],
};
// Same-layer exceptions ARCHITECTURE.md allows: L2 areas may use the registry client.
const allowed = { sbom: ['clients'], scan: ['clients', 'sbom'], sign: ['clients'], verify: ['clients'], policy: ['verify'] };

const zones = Object.entries(above).flatMap(([area, forbidden]) =>
  forbidden
    .filter((f) => !(allowed[area] ?? []).includes(f))
    .map((f) => ({
      target: `./src/${area}`,
      from: `./src/${f}`,
      message: `${area} may not import ${f} (see ARCHITECTURE.md)`,
    })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
  {
    // An area is entered only through its index.ts.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(core|formats/[a-z0-9-]+|clients|scan|sign|verify|policy|servers/[a-z0-9-]+)/(?!index\\.ts$).+',
              message: 'import another area only through its index.ts',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['eslint.config.js', 'scripts/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/*.js'], languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } } },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const PROVIDER_SEAM =
  'go through src/providers/provider.ts (interfaces) and src/providers/registry.ts (loadProvider), not a provider folder';
// A path into a folder under providers/ (an esquery regex cannot hold a literal slash).
const PROVIDER_FOLDER = String.raw`/providers\x2F[^\x2F]+\x2F/`;

const PROCESS_SEAM =
  'spawn programs through src/core/process.ts (runTool, streamTool, startDetached, runInteractive...), the one process adapter';
const SETTINGS_SEAM =
  'read settings through a named accessor of src/config/env.ts, the one module that reads the environment';
const PROCESS_ADAPTER = 'src/core/process.ts';
const SETTINGS_MODULE = 'src/config/env.ts';
// Tests and their fixtures start real programs and set the environment up themselves.
const TEST_FILES = ['src/**/*.test.ts', 'src/**/*.fixtures.ts'];
const CHILD_PROCESS = String.raw`/^(node:)?child_process$/`;

/**
 * The import rules of the provider seam (outside src/providers: the core, the node side, the CLI,
 * the config see providers only through src/providers/provider.ts and src/providers/registry.ts)
 * and of the process seam (nothing but the process adapter imports child_process).
 */
function restrictions({ providerSeam = false, processSeam = false }) {
  const patterns = providerSeam ? [{ group: ['**/providers/*/**'], message: PROVIDER_SEAM }] : [];
  const paths = processSeam
    ? ['child_process', 'node:child_process'].map((name) => ({ name, message: PROCESS_SEAM }))
    : [];
  const syntax = [
    ...(providerSeam
      ? [
          { selector: `ImportExpression[source.value=${PROVIDER_FOLDER}]`, message: PROVIDER_SEAM },
          { selector: `TSImportType[source.value=${PROVIDER_FOLDER}]`, message: PROVIDER_SEAM },
        ]
      : []),
    ...(processSeam ? [{ selector: `ImportExpression[source.value=${CHILD_PROCESS}]`, message: PROCESS_SEAM }] : []),
  ];
  return {
    'no-restricted-imports': ['error', { paths, patterns }],
    'no-restricted-syntax': ['error', ...syntax],
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-check/**',
      'node_modules/**',
      'bin/**',
      'scripts/**',
      'bench/**/*.mjs',
      // Benchmark scratch (git-ignored): generated bundles.
      '.bench/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/cli/**', 'bench/**', 'test/**', 'src/node/**'], rules: { 'no-console': 'off' } },
  // Three seams, each kept by a rule. Flat config lets the last block that matches a file set a
  // rule's options, so the blocks below are disjoint where they share a rule: the provider seam
  // alone, the provider seam with the process seam, the process seam alone.
  { files: ['src/**'], ignores: ['src/providers/**'], rules: restrictions({ providerSeam: true }) },
  {
    files: ['src/**'],
    ignores: ['src/providers/**', PROCESS_ADAPTER, ...TEST_FILES],
    rules: restrictions({ providerSeam: true, processSeam: true }),
  },
  { files: ['src/providers/**'], ignores: TEST_FILES, rules: restrictions({ processSeam: true }) },
  // The settings seam: only src/config/env.ts reads the environment (tests set it up themselves).
  {
    files: ['src/**'],
    ignores: [SETTINGS_MODULE, ...TEST_FILES],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: SETTINGS_SEAM }],
    },
  },
  prettier,
);

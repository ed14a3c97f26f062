import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const PROVIDER_SEAM =
  'go through src/providers/provider.ts (interfaces) and src/providers/registry.ts (loadProvider), not a provider folder';
// A path into a folder under providers/ (an esquery regex cannot hold a literal slash).
const PROVIDER_FOLDER = String.raw`/providers\x2F[^\x2F]+\x2F/`;

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-check/**',
      'node_modules/**',
      'bin/**',
      'scripts/**',
      'bench/**/*.mjs',
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
  // The provider seam: outside src/providers (the core, the node side, the CLI, the config),
  // providers are seen only through src/providers/provider.ts and src/providers/registry.ts.
  {
    files: ['src/**'],
    ignores: ['src/providers/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/providers/*/**'], message: PROVIDER_SEAM }] }],
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression[source.value=${PROVIDER_FOLDER}]`, message: PROVIDER_SEAM },
        { selector: `TSImportType[source.value=${PROVIDER_FOLDER}]`, message: PROVIDER_SEAM },
      ],
    },
  },
  prettier,
);

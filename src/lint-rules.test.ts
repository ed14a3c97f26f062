import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The project's own config. Text linted under a made-up file name is in no TypeScript project, so
// the rules that need type information are off here; the seam rules need none.
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });

/** The rule ids and messages eslint reports for `code` as if it were the file `filePath`. */
async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parser'}: ${m.message}`);
}

const SPAWN = "import { spawn } from 'node:child_process';\nexport const run = spawn;\n";
const SPAWN_LAZILY = "export const load = () => import('node:child_process');\n";
const SPAWN_OLD_NAME = "import cp from 'child_process';\nexport const run = cp.spawn;\n";
const READ_ENV = 'export const home = process.env.HOME;\n';
const READ_ENV_DESTRUCTURED = 'const { env } = process;\nexport const home = env.HOME;\n';
const PROVIDER_IMPORT = "export { DockerEngine } from '../providers/virtual/engine.js';\n";
const PROVIDER_LAZY_IMPORT = "export const load = () => import('../providers/virtual/engine.js');\n";

const PROCESS_SEAM = /src\/core\/process\.ts/;
const SETTINGS_SEAM = /src\/config\/env\.ts/;
const PROVIDER_SEAM = /src\/providers\/provider\.ts/;

describe('lint rules that keep the seams', () => {
  const forbidden: { name: string; file: string; code: string; rule: string; says: RegExp }[] = [
    {
      name: 'child_process in the core',
      file: 'src/core/foo.ts',
      code: SPAWN,
      rule: 'no-restricted-imports',
      says: PROCESS_SEAM,
    },
    {
      name: 'child_process loaded lazily in the CLI',
      file: 'src/cli/commands/cluster/foo.ts',
      code: SPAWN_LAZILY,
      rule: 'no-restricted-syntax',
      says: PROCESS_SEAM,
    },
    {
      name: 'child_process (old name) in a provider',
      file: 'src/providers/virtual/foo.ts',
      code: SPAWN_OLD_NAME,
      rule: 'no-restricted-imports',
      says: PROCESS_SEAM,
    },
    {
      name: 'process.env on the node side',
      file: 'src/node/foo.ts',
      code: READ_ENV,
      rule: 'no-restricted-properties',
      says: SETTINGS_SEAM,
    },
    {
      name: 'process.env destructured in a runtime',
      file: 'src/runtimes/spark/foo.ts',
      code: READ_ENV_DESTRUCTURED,
      rule: 'no-restricted-properties',
      says: SETTINGS_SEAM,
    },
    {
      name: 'process.env in a provider',
      file: 'src/providers/local/foo.ts',
      code: READ_ENV,
      rule: 'no-restricted-properties',
      says: SETTINGS_SEAM,
    },
    {
      name: 'a provider folder imported by the core (the provider seam still holds)',
      file: 'src/core/foo.ts',
      code: PROVIDER_IMPORT,
      rule: 'no-restricted-imports',
      says: PROVIDER_SEAM,
    },
    {
      name: 'a provider folder loaded lazily by the core',
      file: 'src/core/foo.ts',
      code: PROVIDER_LAZY_IMPORT,
      rule: 'no-restricted-syntax',
      says: PROVIDER_SEAM,
    },
  ];
  it.each(forbidden)('refuses $name', async ({ file, code, rule, says }) => {
    const found = await problems(file, code);
    expect(found.some((p) => p.startsWith(`${rule}:`) && says.test(p))).toBe(true);
  });

  it('refuses both seams at once in a file that breaks both', async () => {
    const found = await problems('src/core/foo.ts', SPAWN + PROVIDER_IMPORT);
    expect(found.filter((p) => PROCESS_SEAM.test(p))).toHaveLength(1);
    expect(found.filter((p) => PROVIDER_SEAM.test(p))).toHaveLength(1);
  });

  const allowed: { name: string; file: string; code: string }[] = [
    { name: 'child_process in the process adapter', file: 'src/core/process.ts', code: SPAWN + SPAWN_LAZILY },
    { name: 'process.env in the settings module', file: 'src/config/env.ts', code: READ_ENV + READ_ENV_DESTRUCTURED },
    { name: 'child_process and process.env in a test', file: 'src/node/foo.test.ts', code: SPAWN + READ_ENV },
    { name: 'child_process in a test fixture', file: 'src/core/command/foo.fixtures.ts', code: SPAWN },
    { name: 'a provider importing its own folder', file: 'src/providers/virtual/foo.ts', code: PROVIDER_IMPORT },
  ];
  it.each(allowed)('allows $name', async ({ file, code }) => {
    expect(await problems(file, code)).toEqual([]);
  });
});

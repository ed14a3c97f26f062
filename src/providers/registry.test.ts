import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { CloudtikError } from '../core/errors.js';
import { loadProvider, providerTypes } from './registry.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('provider registry', () => {
  it('loads the virtual provider by its type, with what the core needs of a provider', async () => {
    const module = await loadProvider('virtual');
    expect(module.type).toBe('virtual');
    expect(typeof module.nodeProvider).toBe('function');
    expect(typeof module.workspaces).toBe('function');
    expect(typeof module.commandRunners).toBe('function');
    expect(typeof module.hostResources).toBe('function');
    expect(typeof module.images?.ensure).toBe('function');
    expect(typeof module.nodeCommands?.['docker-gate']).toBe('function');
    // The same module each time: it is loaded once.
    expect(await loadProvider('virtual')).toBe(module);
  });

  it('lists its types sorted, virtual among them', () => {
    const types = providerTypes();
    expect(types).toContain('virtual');
    expect([...types].sort()).toEqual(types);
  });

  it('refuses an unknown type with a config error naming the known ones', async () => {
    const err = (await loadProvider('virtul').catch((e: unknown) => e)) as CloudtikError;
    expect(err).toBeInstanceOf(CloudtikError);
    expect(err.code).toBe('ERR_CLOUDTIK_CONFIG');
    expect(err.message).toMatch(/provider\.type: unknown provider type 'virtul'/);
    expect(err.hint).toContain("did you mean 'virtual'?");
    expect(err.hint).toContain(`known provider types: ${providerTypes().join(', ')}`);
  });

  it('does not take names of the object prototype for provider types', async () => {
    await expect(loadProvider('constructor')).rejects.toThrow(/unknown provider type 'constructor'/);
    await expect(loadProvider('__proto__')).rejects.toThrow(/unknown provider type/);
  });
});

describe('the provider seam lint rule', () => {
  // The repo's own config, on sources placed at paths the rule covers (a file of the project, so
  // the type-aware parser accepts them; its text on disk is not read).
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
  };

  it('fails a core module importing a provider folder, statically, dynamically or as a type', async () => {
    const file = 'src/core/clock.ts';
    const found = await Promise.all([
      lint(
        file,
        "import { connectDocker } from '../providers/virtual/docker-client.js';\nexport const c = connectDocker;\n",
      ),
      lint(file, "export const load = (): Promise<unknown> => import('../providers/virtual/index.js');\n"),
      lint(file, "export type Engine = import('../providers/virtual/engine.js').DockerEngine;\n"),
    ]);
    expect(found[0]).toEqual([expect.stringMatching(/^no-restricted-imports: .*not a provider folder/)]);
    expect(found[1]).toEqual([expect.stringMatching(/^no-restricted-syntax: .*not a provider folder/)]);
    expect(found[2]).toEqual([expect.stringMatching(/^no-restricted-syntax: .*not a provider folder/)]);
  }, 120_000);

  it('covers the node side and the CLI too', async () => {
    const code = "import { STATE_MOUNT } from '../providers/virtual/mounts.js';\nexport const m = STATE_MOUNT;\n";
    expect(await lint('src/node/manage.ts', code)).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
    expect(await lint('src/cli/common.ts', code)).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  }, 120_000);

  it('passes the interfaces and the registry, and a provider importing its own folder', async () => {
    const seam =
      "import { TAG } from '../providers/provider.js';\nimport { loadProvider } from '../providers/registry.js';\nexport const s = [TAG, loadProvider];\n";
    expect(await lint('src/core/clock.ts', seam)).toEqual([]);
    const own = "import { connectDocker } from './docker-client.js';\nexport const c = connectDocker;\n";
    expect(await lint('src/providers/virtual/index.ts', own)).toEqual([]);
  }, 120_000);
});

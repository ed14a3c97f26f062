import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateConfigTypes, schemaForTypes } from '../../scripts/gen-config-types.mjs';

const root = path.join(import.meta.dirname, '../..');

describe('generated config types', () => {
  it('are what the schemas generate now', async () => {
    const generated = await generateConfigTypes();
    expect(Object.keys(generated).sort()).toEqual([
      'src/config/generated/cluster.ts',
      'src/config/generated/workspace.ts',
    ]);
    for (const [file, text] of Object.entries(generated)) {
      const committed = readFileSync(path.join(root, file), 'utf8');
      expect(committed, `${file} is not what the schema generates: run \`npm run gen:types\``).toBe(text);
    }
  });
});

describe('schemaForTypes', () => {
  const definitions = {
    commands: { type: 'array', description: 'Shell commands.', items: { type: 'string' } },
    options: { type: 'object', description: 'Options.', properties: { n: { type: 'integer' } } },
  };
  const of = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    schemaForTypes({ type: 'object', definitions, properties, ...extra });

  it.each([
    {
      rule: 'writes out a list definition where it is used, with the key own description',
      properties: { setup: { $ref: '#/definitions/commands', description: 'Run at setup.' } },
      expected: { setup: { type: 'array', description: 'Run at setup.', items: { type: 'string' } } },
    },
    {
      rule: 'keeps the definition description when the key has none',
      properties: { stop: { $ref: '#/definitions/commands', title: 'Stop' } },
      expected: { stop: { type: 'array', description: 'Shell commands.', items: { type: 'string' } } },
    },
    {
      rule: 'refers to an object definition as it is, without the key annotations',
      properties: { options: { $ref: '#/definitions/options', title: 'Cluster options', description: 'How.' } },
      expected: { options: { $ref: '#/definitions/options' } },
    },
    {
      rule: 'drops the title of a string, keeps the one of an object',
      properties: { name: { type: 'string', title: 'Name' }, auth: { type: 'object', title: 'Auth' } },
      expected: { name: { type: 'string' }, auth: { type: 'object', title: 'Auth' } },
    },
  ])('$rule', ({ properties, expected }) => {
    expect(of(properties).properties).toEqual(expected);
  });

  it('leaves out `++key` list appends and the definitions it wrote out', () => {
    const out = of({}, { patternProperties: { '^\\+\\+[a-z_]+$': { type: 'array' } } });
    expect(out).not.toHaveProperty('patternProperties');
    expect(Object.keys(out.definitions as object)).toEqual(['options']);
  });

  it('names a reference it cannot follow', () => {
    expect(() => of({ x: { $ref: '#/definitions/missing' } })).toThrow('#/definitions/missing: not a definition');
  });
});

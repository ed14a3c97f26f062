import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

/** The shape of CloudTik 1.6.0's command line, taken by dev/cloudtik-cli-snapshot.sh. */
interface SnapshotOption {
  names: string[];
  takesValue: boolean;
  isFlag: boolean;
  multiple: boolean;
  hidden: boolean;
}
interface SnapshotCommand {
  path: string;
  group: boolean;
  internal: boolean;
  hidden: boolean;
  aliases: string[];
  options: SnapshotOption[];
}

const SNAPSHOT = JSON.parse(
  readFileSync(new URL('../../test/fixtures/cloudtik-1.6.0-cli.json', import.meta.url), 'utf8'),
) as { version: string; commands: SnapshotCommand[] };

/**
 * CloudTik's groups for one runtime (spark, flink, yarn, postgres) and for cloud-managed storage
 * and databases. They are not among its 39 user-facing commands (the count below leaves them out),
 * but they are userFacing like the rest.
 */
const RUNTIME_AND_CLOUD_GROUPS = ['database', 'flink', 'postgres', 'spark', 'storage', 'yarn'];

const userFacing = SNAPSHOT.commands.filter((c) => !c.internal);
const core = userFacing.filter((c) => !RUNTIME_AND_CLOUD_GROUPS.includes(c.path.split(' ')[0] ?? ''));

/** Our command at a CloudTik command path, each word matched by name or alias. */
function find(program: Command, path: string): Command | undefined {
  let at: Command | undefined = program;
  for (const word of path.split(' ')) {
    at = at?.commands.find((c) => c.name() === word || c.aliases().includes(word));
  }
  return at;
}

/** Each flag name our command accepts, and whether it takes a value. */
function flagsOf(command: Command): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  for (const o of command.options) {
    const takesValue = o.required || o.optional;
    if (o.short) flags.set(o.short, takesValue);
    if (o.long) flags.set(o.long, takesValue);
  }
  return flags;
}

/** What CloudTik's command has that ours lacks: option names, or names whose value-taking differs. */
export function missingOptions(theirs: SnapshotCommand, ours: Command): string[] {
  const flags = flagsOf(ours);
  const missing: string[] = [];
  for (const o of theirs.options) {
    for (const name of o.names) {
      const takesValue = flags.get(name);
      if (takesValue === undefined) missing.push(name);
      else if (takesValue !== o.takesValue) missing.push(`${name} (${o.takesValue ? 'takes a value' : 'is a flag'})`);
    }
  }
  return missing;
}

describe(`parity with CloudTik ${SNAPSHOT.version}'s command line`, () => {
  const program = buildProgram();

  it('reads the 39 user-facing commands of CloudTik 1.6.0 from its snapshot (each is checked below)', () => {
    expect(core.filter((c) => !c.group).map((c) => c.path)).toHaveLength(39);
  });

  it.each(userFacing.map((c) => [c.path, c]))('%s exists, under each of its names', (path, theirs) => {
    const ours = find(program, path);
    expect(ours, `no command ${path}`).toBeDefined();
    const parent = path.split(' ').slice(0, -1).join(' ');
    const missingAliases = theirs.aliases.filter((a) => find(program, `${parent} ${a}`.trim()) !== ours);
    expect(missingAliases).toEqual([]);
  });

  it.each(userFacing.filter((c) => !c.group).map((c) => [c.path, c]))(
    '%s takes each of its options',
    (path, theirs) => {
      const ours = find(program, path);
      expect(ours && missingOptions(theirs, ours)).toEqual([]);
    },
  );

  it.each(
    userFacing.flatMap((c) =>
      c.options.filter((o) => o.multiple).map((o) => [`${c.path} ${o.names.join('/')}`, c, o] as const),
    ),
  )('%s may be given several times, each adding to the others', (_name, theirs, option) => {
    const ours = find(program, theirs.path)?.options.find((o) => option.names.includes(o.long ?? ''));
    expect(ours?.parseArg).toBeDefined();
    const first = ours?.parseArg?.('8080', undefined);
    expect(ours?.parseArg?.('9870', first)).toEqual([8080, 9870]);
  });
});

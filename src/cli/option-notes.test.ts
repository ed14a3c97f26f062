/**
 * The options CloudTik has that change nothing on some providers: each says so in one line
 * instead of being refused or silently ignored. And the small decisions behind other options.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../config/types.js';
import { runtimeTargets } from '../core/cluster/runtimes.js';
import type { NodeInfo } from '../providers/provider.js';
import { planAttach } from './commands/cluster/attach.js';
import { runEnvNote } from './commands/cluster/exec.js';
import { fileTypeNote } from './commands/cluster/monitor.js';
import { commandStyleNotes } from './commands/cluster/start.js';
import { deepStopNote } from './commands/cluster/stop.js';
import { managedNotes } from './commands/workspace/managed.js';
import { asUsage } from './common.js';
import { logLook } from './main.js';

describe('attach', () => {
  it.each([
    [{}, undefined],
    [{ screen: true }, /; screen -L -xRR$/],
    [{ tmux: true, new: true }, /; tmux new-session$/],
    [{ withEnv: true }, /^set -a; \. ~\/\.cloudtik-attach-env; rm -f ~\/\.cloudtik-attach-env; set \+a; exec bash -l$/],
    [{ withEnv: true, screen: true }, /^set -a; .*; screen -L -xRR$/],
  ])('%j opens %s', (opts, command) => {
    const plan = planAttach(opts);
    if (command === undefined) expect(plan.command).toBeUndefined();
    else expect(plan.command).toMatch(command);
    expect(plan.notes).toEqual([]);
  });

  it('says what --host and a lone --new come to, and refuses --screen with --tmux', () => {
    expect(planAttach({ host: true, new: true }).notes).toEqual([
      '--new only matters with --screen or --tmux',
      "--host: the shell opens where node commands run (the node's container, or the host without one)",
    ]);
    expect(() => planAttach({ screen: true, tmux: true })).toThrow('--screen and --tmux cannot be used together');
  });
});

describe('one-line notes', () => {
  it('exec --run-env: only host and docker say something; others are refused', () => {
    expect(runEnvNote(undefined)).toBeUndefined();
    expect(runEnvNote('auto')).toBeUndefined();
    expect(runEnvNote('host')).toMatch(/^--run-env host: /);
    expect(() => runEnvNote('vm')).toThrow('--run-env: expected one of auto, host, docker, got vm');
    // Through the command it is a usage error (exit 2), not an internal one.
    expect(() => asUsage(() => runEnvNote('vm'))).toThrow(
      expect.objectContaining({
        code: 'ERR_CLOUDTIK_USAGE',
        message: '--run-env: expected one of auto, host, docker, got vm',
      }),
    );
  });

  it('monitor --file-type: log is the log; out and err say there is one file; others are refused', () => {
    expect(fileTypeNote(undefined)).toBeUndefined();
    expect(fileTypeNote('log')).toBeUndefined();
    expect(fileTypeNote('err')).toMatch(/^--file-type err: /);
    expect(() => fileTypeNote('txt')).toThrow('--file-type: expected log, out or err, got txt');
  });

  it.each([
    ['virtual', /data-disk folders with the node/],
    ['kubernetes', /no volumes that outlive them/],
    ['local', /data disks on local hosts are the hosts' own/],
    ['onpremise', /data disks on onpremise hosts/],
  ])('stop --deep on %s says %s', (type, note) => {
    expect(deepStopNote(type)).toMatch(note);
  });

  it('start: the shell options say what they come to, only when given', () => {
    expect(commandStyleNotes({})).toEqual([]);
    expect(commandStyleNotes({ redirectCommandOutput: true, useLoginShells: true })).toHaveLength(2);
  });

  it('workspace delete: managed storage and database options name the provider', () => {
    expect(managedNotes({}, 'virtual')).toEqual([]);
    expect(managedNotes({ deleteManagedStorage: false, deleteManagedDatabase: true }, 'virtual')).toEqual([
      '--no-delete-managed-storage: virtual workspaces have no managed cloud storage',
      '--delete-managed-database: virtual workspaces have no managed database',
    ]);
  });
});

describe('--log-style and --log-color', () => {
  const terminal = { tty: true, ci: false, noColor: false };
  const pipe = { tty: false, ci: false, noColor: false };
  it.each([
    [{}, terminal, { live: true, color: true }],
    [{}, pipe, { live: false, color: false }],
    [{}, { ...terminal, ci: true, noColor: true }, { live: false, color: false }],
    [{ logStyle: 'record' }, terminal, { live: false, color: true }],
    [{ logStyle: 'pretty' }, { ...terminal, ci: true }, { live: true, color: true }],
    [{ logStyle: 'pretty' }, pipe, { live: false, color: false }],
    [{ logColor: 'true' }, pipe, { live: false, color: true }],
    [{ logColor: 'false' }, terminal, { live: true, color: false }],
  ])('%j on %j: %j', (opts, term, look) => {
    expect(logLook(opts, term)).toEqual(look);
  });
});

describe('runtime start|stop node choice', () => {
  const config = { cluster_name: 'c' } as unknown as ClusterConfig;
  const n = (id: string, kind: 'head' | 'worker', ip: string): NodeInfo =>
    ({ id, kind, ip, running: true, nodeType: kind, tags: {} }) as unknown as NodeInfo;
  const nodes = [n('h', 'head', '10.0.0.2'), n('w1', 'worker', '10.0.0.3'), n('w2', 'worker', '10.0.0.4')];
  it.each([
    [{}, ['h', 'w1', 'w2']],
    [{ allNodes: true }, ['h', 'w1', 'w2']],
    [{ allNodes: false }, ['h']],
    [{ nodeIp: '10.0.0.4' }, ['w2']],
    [{ nodeIp: 'w1', allNodes: true }, ['w1']],
  ])('%j acts on %j', (o, ids) => {
    expect(runtimeTargets(config, nodes, o).map((x) => x.id)).toEqual(ids);
  });

  it('refuses an address no running node has', () => {
    expect(() => runtimeTargets(config, nodes, { nodeIp: '10.0.0.9' })).toThrow(
      'no running node of cluster c has IP 10.0.0.9',
    );
  });
});

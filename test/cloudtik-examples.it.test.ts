import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, cliOk, clusterContainers, docker, sweepWorkspace, testWorkspace } from './helpers.js';

const ws = testWorkspace('examples');
const fixtures = path.join(ROOT, 'test', 'fixtures', 'cloudtik');

interface StatusJson {
  nodes: { kind: string; nodeType: string; status: string; cpus: number; memoryBytes: number }[];
}

/** CloudTik's own virtual-provider files run unchanged; only the names are overridden on the command line. */
describe("CloudTik's virtual examples", () => {
  beforeAll(async () => {
    await cliOk(['workspace', 'create', path.join(fixtures, 'example-workspace.yaml'), '--workspace-name', ws]);
  });

  afterAll(async () => {
    await sweepWorkspace(ws);
  });

  it('example.yaml comes up with 1 head and 3 workers, and stops clean', async () => {
    const file = path.join(fixtures, 'example.yaml');
    const names = ['--workspace-name', ws, '-n', 'example'];
    await cliOk(['start', file, '-y', ...names]);
    const s = JSON.parse((await cliOk(['status', file, '--json', ...names])).stdout) as StatusJson;
    expect(s.nodes.map((n) => `${n.kind}/${n.nodeType}/${n.status}`).sort()).toEqual([
      'head/head.default/up-to-date',
      'worker/worker.default/up-to-date',
      'worker/worker.default/up-to-date',
      'worker/worker.default/up-to-date',
    ]);
    for (const n of s.nodes) expect(n.memoryBytes).toBe(4 * 2 ** 30);
    const info = JSON.parse((await cliOk(['info', file, '--json', ...names])).stdout) as {
      resources: Record<string, number>;
    };
    // Advertised resources stay as configured even when the host has fewer cores.
    expect(info.resources.CPU).toBe(16);
    expect(info.resources.memory).toBe(16 * 2 ** 30);
    await cliOk(['stop', file, '-y', ...names]);
    expect(await clusterContainers(ws, 'example')).toHaveLength(0);
  });

  it('the workspace file is CloudTik-compatible for info and delete', async () => {
    const file = path.join(fixtures, 'example-workspace.yaml');
    const info = JSON.parse((await cliOk(['workspace', 'info', file, '--json', '--workspace-name', ws])).stdout) as {
      clusters: unknown[];
    };
    expect(info.clusters).toEqual([]);
    await cliOk(['workspace', 'delete', file, '-y', '--workspace-name', ws]);
    expect(await docker.listNetworks({ filters: { name: [`cloudtik-${ws}`] } })).toHaveLength(0);
  });
});

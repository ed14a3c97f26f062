import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, cliOk, docker, sweepWorkspace, testWorkspace } from './helpers.js';

const ws = testWorkspace('examples');
const fixtures = path.join(ROOT, 'test', 'fixtures', 'cloudtik');

/** CloudTik's own virtual-provider files run unchanged; only the names are overridden on the command line. */
describe("CloudTik's virtual examples", () => {
  beforeAll(async () => {
    await cliOk(['workspace', 'create', path.join(fixtures, 'example-workspace.yaml'), '--workspace-name', ws]);
  });

  afterAll(async () => {
    await sweepWorkspace(ws);
  });

  // example.yaml itself comes up, with its default runtimes, in runtimes.it.test.ts.

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

import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PoolMethod } from '../protocol.js';
import { argsProblem } from './args.js';
import { parsePoolConfig } from './config.js';
import { HostPool } from './pool.js';
import { authProblem, parseCall } from './server.js';

describe('requests', () => {
  it.each([
    [undefined, 'no Authorization header'],
    ['', 'no Authorization header'],
    ['Basic abc', 'Authorization is not "Bearer <token>"'],
    ['Bearer', 'Authorization is not "Bearer <token>"'],
    ['Bearer secret extra', 'Authorization is not "Bearer <token>"'],
    ['Bearer secreT', 'wrong token'],
    ['Bearer secret', undefined],
    ['  Bearer   secret ', undefined],
  ])('Authorization %j: %s', (header, problem) => {
    expect(authProblem(header, 'secret')).toBe(problem);
  });

  it.each([
    ['', 'no JSON body'],
    ['{', 'the body is not JSON'],
    ['{"args": []}', 'the body names no method'],
    ['{"type": "_list_nodes", "args": []}', "unknown method '_list_nodes'"],
    ['{"type": "status", "args": {}}', 'args must be a list'],
  ])('refuses the body %j', (body, message) => {
    expect(() => parseCall(body)).toThrow(message);
  });

  it('reads a call, args defaulting to none', () => {
    expect(parseCall('{"type": "status"}')).toEqual({ method: 'status', args: [] });
    expect(parseCall('{"type": "describe_node", "args": ["h1"]}')).toEqual({ method: 'describe_node', args: ['h1'] });
  });

  const ARGS: Array<[PoolMethod, unknown[], string | undefined]> = [
    ['list_nodes', ['ws', {}], undefined],
    ['list_nodes', ['ws'], 'list_nodes: argument 2: tag_filters must be an object of string values'],
    ['list_nodes', ['ws', { a: 1 }], 'list_nodes: argument 2: tag_filters must be an object of string values'],
    ['create_node', [{ instance_type: 't' }, {}, 2], undefined],
    ['create_node', [{}, {}, 2], 'create_node: argument 1: node_config must be an object naming its instance_type'],
    [
      'create_node',
      [{ instance_type: 't' }, {}, 1.5],
      'create_node: argument 3: count must be a whole number of at least 0',
    ],
    ['terminate_nodes', [['h1'], { unanswered: ['h1'], cluster: 'a', workspace: 'w' }], undefined],
    ['terminate_nodes', [['h1'], null], undefined],
    [
      'terminate_nodes',
      [['h1'], { cluster: 'a' }],
      'terminate_nodes: argument 2: options.cluster and options.workspace go together',
    ],
    ['terminate_nodes', ['h1'], 'terminate_nodes: argument 1: node ids must be a list of host ids'],
    ['reload', [], undefined],
    ['reload', ['/x.yaml'], undefined],
    ['reload', [1], 'reload: argument 1: config path must be a non-empty string'],
    ['status', [1], 'status takes at most 0 argument(s), 1 given'],
    ['create_workspace', [''], 'create_workspace: argument 1: workspace must be a non-empty string'],
  ];
  it.each(ARGS)('%s %j', (method, args, problem) => {
    expect(argsProblem(method, args)).toBe(problem);
  });
});

describe('the pool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-pool-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  async function open(text: string): Promise<{ pool: HostPool; logs: string[] }> {
    const file = path.join(dir, 'pool.yaml');
    await fsp.writeFile(file, text);
    const logs: string[] = [];
    const deps = {
      stateFile: path.join(dir, 'state'),
      address: () => '127.0.0.1:1',
      now: () => 1000,
      log: (line: string) => void logs.push(line),
    };
    return { pool: await HostPool.open(parsePoolConfig(text, file), deps), logs };
  }

  const HOSTS = (n: number): string =>
    `instance_types: {t: {CPU: 1, memory: 1G}}\nnodes:\n${Array.from({ length: n }, (_, i) => `  - {ip: h${i}, instance_type: t}\n`).join('')}`;
  const tags = (cluster: string): Record<string, string> => ({
    'cloudtik-cluster-name': cluster,
    'cloudtik-workspace-name': 'ws',
  });

  it('never gives one host to two launches made at the same time, and writes each change before answering', async () => {
    const { pool } = await open(HOSTS(6));
    await pool.call('create_workspace', ['ws']);
    const launches = Array.from({ length: 8 }, (_, i) =>
      pool.call('create_node', [{ instance_type: 't' }, tags(`c${i}`), 1]).then(
        (ids) => ids as string[],
        () => [] as string[],
      ),
    );
    const taken = (await Promise.all(launches)).flat();
    expect(taken).toHaveLength(6);
    expect(new Set(taken).size).toBe(6);
    const onDisk = JSON.parse(await fsp.readFile(path.join(dir, 'state'), 'utf8')) as {
      nodes: Record<string, { state: string }>;
    };
    expect(Object.values(onDisk.nodes).every((h) => h.state === 'running')).toBe(true);
    const status = (await pool.call('status', [])) as { refused: unknown[]; free: Record<string, number> };
    expect(status.free).toEqual({ t: 0 });
    expect(status.refused).toEqual([
      { at: 1000, instance_type: 't', count: 1, free: 0, cluster: 'c6' },
      expect.anything(),
    ]);
  });

  it('free_nodes names the hosts the next worker launches take, in order, without taking them', async () => {
    const { pool } = await open(HOSTS(3));
    await pool.call('create_workspace', ['ws']);
    await pool.call('create_node', [{ instance_type: 't' }, tags('a'), 1]);
    expect(await pool.call('free_nodes', ['t'])).toEqual(['h1', 'h2']);
    expect(await pool.call('free_nodes', ['t'])).toEqual(['h1', 'h2']);
    expect(await pool.call('free_nodes', ['none'])).toEqual([]);
    expect(await pool.call('create_node', [{ instance_type: 't' }, tags('b'), 2])).toEqual(['h1', 'h2']);
  });

  it('reloads only its own file and then hands out a host added to it', async () => {
    const { pool } = await open(HOSTS(1));
    await pool.call('create_workspace', ['ws']);
    await pool.call('create_node', [{ instance_type: 't' }, tags('a'), 1]);
    await expect(pool.call('reload', ['/etc/hosts'])).rejects.toThrow("reload reads only the service's own pool file");
    await fsp.writeFile(path.join(dir, 'pool.yaml'), HOSTS(2));
    await pool.call('reload', [path.join(dir, 'pool.yaml')]);
    expect(await pool.call('create_node', [{ instance_type: 't' }, tags('b'), 1])).toEqual(['h1']);
    // h0 leaves the file while cluster a holds it: it stays until given back, then leaves the pool.
    await fsp.writeFile(path.join(dir, 'pool.yaml'), HOSTS(2).replace('  - {ip: h0, instance_type: t}\n', ''));
    await pool.call('reload', []);
    const names = async (): Promise<string[]> =>
      ((await pool.call('status', [])) as { hosts: Array<{ name: string }> }).hosts.map((h) => h.name);
    expect(await names()).toEqual(['h1', 'h0']);
    await pool.call('terminate_nodes', [['h0']]);
    expect(await names()).toEqual(['h1']);
    await expect(pool.call('describe_node', ['h0'])).resolves.toBeNull();
    await fsp.writeFile(path.join(dir, 'pool.yaml'), 'nodes: 1\n');
    await expect(pool.call('reload', [])).rejects.toThrow(
      'the pool file does not load; the service keeps the pool it had',
    );
    expect(pool.hostCount).toBe(1);
  });
});

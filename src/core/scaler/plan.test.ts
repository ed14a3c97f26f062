import { describe, expect, it } from 'vitest';
import { planPass } from './plan.js';
import { config as baseConfig, MIN, NOW, S, times, type as baseType, W } from './scaler.fixtures.js';
import type { LaunchDecision, PassInput, ResourceBundle, ScalerConfig, ScalerNode, ScalerNodeType } from './types.js';

/** Plan tests' worker types allow 50 workers unless told otherwise. */
function type(name: string, over: Partial<ScalerNodeType> & { cpus?: number } = {}): ScalerNodeType {
  return baseType(name, { maxWorkers: 50, ...over });
}

function config(types: ScalerNodeType[] = [type(W)], over: Partial<ScalerConfig> = {}): ScalerConfig {
  return baseConfig(types, over);
}

function node(id: string, over: Partial<ScalerNode> = {}): ScalerNode {
  return {
    id,
    nodeType: W,
    ip: undefined,
    running: true,
    status: 'up-to-date',
    launchHash: 'h1',
    createdAt: NOW - 60 * MIN,
    heartbeatAt: NOW - S,
    inUse: true,
    ...over,
  };
}

const nodes = (n: number, over: Partial<ScalerNode> = {}, prefix = 'n'): ScalerNode[] =>
  Array.from({ length: n }, (_, i) => node(`${prefix}${i}`, over));

function input(cfg: ScalerConfig, workers: ScalerNode[], over: Partial<PassInput> = {}): PassInput {
  return {
    config: cfg,
    workers,
    pending: {},
    requests: [],
    demands: [],
    updating: new Set(),
    blockedTypes: {},
    now: NOW,
    memory: { lastUsedAt: new Map(), startedAt: NOW - 60 * MIN },
    ...over,
  };
}

const launch = (nodeType: string, count: number, reason: string): LaunchDecision => ({ nodeType, count, reason });

const LAUNCH_CASES: {
  name: string;
  input: PassInput;
  launch: LaunchDecision[];
  messages?: RegExp[];
  infeasible?: ResourceBundle[];
}[] = [
  {
    name: 'min_workers counts kept and pending workers',
    input: input(config([type(W, { minWorkers: 3 })]), nodes(1), { pending: { [W]: 1 } }),
    launch: [launch(W, 1, `min_workers of ${W}`)],
  },
  {
    name: 'nothing to do',
    input: input(config([type(W, { minWorkers: 1 })]), nodes(1)),
    launch: [],
  },
  {
    name: 'the upscaling cap counts pending launches',
    input: input(config(), [], { pending: { [W]: 2 }, requests: times(20, { [W]: 1 }) }),
    launch: [launch(W, 3, 'scale request')],
    messages: [new RegExp(`^${W}: launching 3 of 18 now \\(upscaling_speed 1, 2 pending\\)$`)],
  },
  {
    name: 'the upscaling cap grows with running workers',
    input: input(config([type(W, { maxWorkers: 100 })], { upscalingSpeed: 1.5 }), nodes(10), {
      requests: times(40, { [W]: 1 }),
    }),
    launch: [launch(W, 15, 'scale request')],
    messages: [/^worker.default: launching 15 of 30 now/],
  },
  {
    name: 'the upscaling cap never holds back min_workers',
    input: input(config([type(W, { minWorkers: 12 })]), [], { requests: times(14, { [W]: 1 }) }),
    launch: [launch(W, 12, `min_workers of ${W}`)],
    messages: [/^worker.default: launching 12 of 14 now/],
  },
  {
    name: 'CPU requests count the head and every kept worker',
    input: input(config(), nodes(1, { inUse: false }), { requests: [{ CPU: 4 }, ...times(4, { CPU: 2 })] }),
    launch: [launch(W, 1, 'scale request')],
  },
  {
    name: 'requests pick the type they use best',
    input: input(config([type('worker.four'), type('worker.six', { cpus: 6 })], { headResources: {} }), [], {
      requests: times(3, { CPU: 2 }),
    }),
    launch: [launch('worker.six', 1, 'scale request')],
  },
  {
    name: 'requests count nodes launched for min_workers',
    input: input(config([type(W, { minWorkers: 2 })], { headResources: {} }), [], {
      requests: times(3, { CPU: 4 }),
    }),
    launch: [launch(W, 2, `min_workers of ${W}`), launch(W, 1, 'scale request')],
  },
  {
    name: 'demands use what is free',
    input: input(config(), [node('a', { available: { CPU: 0 } })], { demands: times(2, { CPU: 1 }) }),
    launch: [launch(W, 1, 'resource demand')],
  },
  {
    name: 'demands that fit in free resources launch nothing',
    input: input(config(), [node('a', { available: { CPU: 2 } })], { demands: times(2, { CPU: 1 }) }),
    launch: [],
  },
  {
    name: 'demands count pending launches',
    input: input(config(), [], { pending: { [W]: 1 }, demands: times(4, { CPU: 1 }) }),
    launch: [],
  },
  {
    name: 'per-type max_workers',
    input: input(config([type(W, { maxWorkers: 2 })]), [], { requests: times(4, { [W]: 1 }) }),
    launch: [launch(W, 2, 'scale request')],
    messages: [/^scale request: \{worker.default: 1\} × 2 cannot be placed now/],
  },
  {
    name: 'the global max_workers holds requests back',
    input: input(config(undefined, { maxWorkers: 2 }), nodes(2), { requests: times(4, { [W]: 1 }) }),
    launch: [],
    messages: [/cannot be placed now/],
  },
  {
    name: 'min_workers beyond the global max cannot be met',
    input: input(config([type(W, { minWorkers: 3 })], { maxWorkers: 2 }), []),
    launch: [launch(W, 2, `min_workers of ${W}`)],
    messages: [/^worker.default: 0 of 3 min_workers, the global max_workers \(2\) leaves room for 2 more$/],
    infeasible: [{ [W]: 1 }],
  },
  {
    name: 'a request no type can hold is infeasible',
    input: input(config(), [], { requests: [{ CPU: 64 }, { GPU: 1 }] }),
    launch: [],
    messages: [/^scale request: no worker type can hold \{CPU: 64\}, \{GPU: 1\}$/],
    infeasible: [{ CPU: 64 }, { GPU: 1 }],
  },
  {
    name: 'only the highest launch priority launches in a pass',
    input: input(
      config([
        type('worker.lo', { minWorkers: 1 }),
        type('worker.hi', { minWorkers: 1, launchPriority: 2 }),
        type('worker.mid', { minWorkers: 1, launchPriority: 1 }),
      ]),
      [],
    ),
    launch: [launch('worker.hi', 1, 'min_workers of worker.hi')],
    messages: [/^worker.mid waits for higher-priority types$/, /^worker.lo waits for higher-priority types$/],
  },
  {
    name: 'types that need nothing do not hold lower priorities',
    input: input(
      config([type('worker.lo', { minWorkers: 1 }), type('worker.hi', { minWorkers: 1, launchPriority: 2 })]),
      [node('h', { nodeType: 'worker.hi' })],
    ),
    launch: [launch('worker.lo', 1, 'min_workers of worker.lo')],
  },
  {
    name: 'a blocked type launches nothing and says why',
    input: input(config([type(W, { minWorkers: 2 })]), [], {
      blockedTypes: { [W]: 'backing off 4s after 2 failure(s): image missing' },
    }),
    launch: [],
    messages: [
      /^worker.default: 0 of 2 min_workers, not launching: backing off 4s after 2 failure\(s\): image missing$/,
    ],
  },
  {
    name: 'a blocked type does not hold lower priorities',
    input: input(
      config([type('worker.lo', { minWorkers: 1 }), type('worker.hi', { minWorkers: 1, launchPriority: 2 })]),
      [],
      { blockedTypes: { 'worker.hi': 'gave up' } },
    ),
    launch: [launch('worker.lo', 1, 'min_workers of worker.lo')],
    messages: [/^worker.hi: 0 of 1 min_workers, not launching: gave up$/],
  },
  {
    name: 'requests go to another type while one is blocked',
    input: input(config([type('worker.a'), type('worker.b')], { headResources: {} }), [], {
      requests: [{ CPU: 4 }],
      blockedTypes: { 'worker.a': 'backing off' },
    }),
    launch: [launch('worker.b', 1, 'scale request')],
  },
  {
    name: 'an outdated worker is replaced in the same pass',
    input: input(config([type(W, { minWorkers: 2 })]), [node('a', { launchHash: 'h0' }), node('b')]),
    launch: [launch(W, 1, `min_workers of ${W}`)],
  },
];

describe('planPass: launches', () => {
  it.each(LAUNCH_CASES)('$name', ({ input, launch, messages = [], infeasible = [] }) => {
    const result = planPass(input);
    expect(result.launch).toEqual(launch);
    expect(result.infeasible).toEqual(infeasible);
    for (const m of messages) expect(result.messages).toContainEqual(expect.stringMatching(m));
    expect(result.messages).toHaveLength(messages.length);
  });

  it('terminates, and returns the new lastUsedAt without changing the memory', () => {
    const i = input(config(), [node('a', { inUse: false }), node('b', { inUse: false, launchHash: 'h0' })]);
    i.memory.lastUsedAt.set('a', NOW - 10 * MIN);
    const result = planPass(i);
    expect(result.terminate).toEqual([
      { nodeId: 'b', nodeType: W, reason: 'outdated launch config' },
      { nodeId: 'a', nodeType: W, reason: 'idle 10m' },
    ]);
    expect(Object.fromEntries(result.lastUsedAt)).toEqual({ a: NOW - 10 * MIN, b: NOW });
    expect(i.memory.lastUsedAt.get('b')).toBeUndefined();
  });
});

describe('planPass: recover', () => {
  it.each<{ name: string; node: Partial<ScalerNode>; updating?: boolean; reason?: string }>([
    { name: 'a recent heartbeat', node: { heartbeatAt: NOW - 5 * S } },
    { name: 'heartbeat exactly at the timeout', node: { heartbeatAt: NOW - 30 * S } },
    { name: 'a stale heartbeat', node: { heartbeatAt: NOW - 31 * S }, reason: 'no heartbeat 31s' },
    {
      name: 'no heartbeat since launch',
      node: { heartbeatAt: undefined, createdAt: NOW - 40 * S },
      reason: 'no heartbeat since launch 40s',
    },
    { name: 'just launched', node: { heartbeatAt: undefined, createdAt: NOW - 10 * S } },
    {
      name: 'a heartbeat older than the node',
      node: { heartbeatAt: NOW - 10 * MIN, createdAt: NOW - 2 * MIN },
      reason: 'no heartbeat since launch 2m',
    },
    { name: 'still being set up', node: { heartbeatAt: undefined, status: 'setting-up' } },
    { name: 'its updater runs', node: { heartbeatAt: undefined }, updating: true },
    { name: 'being terminated', node: { heartbeatAt: undefined, launchHash: 'h0' } },
    { name: 'stale, but started again 10s ago', node: { heartbeatAt: NOW - 10 * MIN, resumedAt: NOW - 10 * S } },
    {
      name: 'stale, started again longer ago than the timeout',
      node: { heartbeatAt: NOW - 10 * MIN, resumedAt: NOW - 40 * S },
      reason: 'no heartbeat 40s',
    },
    {
      name: 'a long setup that ended 10s ago',
      node: { heartbeatAt: undefined, createdAt: NOW - 2 * MIN, updatedAt: NOW - 10 * S },
    },
    {
      name: 'set up longer ago than the timeout',
      node: { heartbeatAt: undefined, createdAt: NOW - 2 * MIN, updatedAt: NOW - 40 * S },
      reason: 'no heartbeat since launch 40s',
    },
  ])('$name', ({ node: over, updating = false, reason }) => {
    const result = planPass(input(config(), [node('a', over)], { updating: new Set(updating ? ['a'] : []) }));
    expect(result.recover).toEqual(reason ? [{ nodeId: 'a', nodeType: W, reason }] : []);
  });

  it("gives heartbeats the full timeout after the controller's own start (a head that restarted)", () => {
    const workers = [node('a', { heartbeatAt: undefined, createdAt: NOW - 60 * MIN })];
    const fresh = input(config(), workers);
    fresh.memory.startedAt = NOW - 10 * S;
    expect(planPass(fresh).recover).toEqual([]);
    const later = input(config(), workers);
    later.memory.startedAt = NOW - 31 * S;
    expect(planPass(later).recover).toEqual([{ nodeId: 'a', nodeType: W, reason: 'no heartbeat since launch 31s' }]);
  });
});

describe('planPass: resume', () => {
  const stopped = { running: false, status: 'exited', resumable: true, heartbeatAt: NOW - 10 * MIN };
  it('starts a stopped worker that finished its setup again, and launches no replacement', () => {
    const result = planPass(input(config([type(W, { minWorkers: 2 })]), [node('a', stopped), node('b')]));
    expect(result.resume).toEqual([{ nodeId: 'a', nodeType: W, reason: 'stopped (exited) after its setup' }]);
    expect(result.terminate).toEqual([]);
    expect(result.launch).toEqual([]);
    expect(result.recover).toEqual([]);
  });

  it('waits for a worker it started again, then replaces it if it still does not run', () => {
    const waiting = planPass(input(config(), [node('a', { ...stopped, resumable: false, resumedAt: NOW - 30 * S })]));
    expect(waiting.terminate).toEqual([]);
    expect(waiting.resume).toEqual([]);
    const late = planPass(input(config(), [node('a', { ...stopped, resumable: false, resumedAt: NOW - 61 * S })]));
    expect(late.terminate).toEqual([{ nodeId: 'a', nodeType: W, reason: 'not running (exited)' }]);
  });

  it.each([
    { name: 'not resumable (killed, or setup never finished)', over: { resumable: false } },
    { name: 'an outdated launch config', over: { launchHash: 'h0' } },
    { name: 'a type no longer in the config', over: { nodeType: 'worker.old' } },
  ])('replaces a stopped worker with $name', ({ over }) => {
    const result = planPass(input(config(), [node('a', { ...stopped, ...over })]));
    expect(result.resume).toEqual([]);
    expect(result.terminate).toEqual([{ nodeId: 'a', nodeType: over.nodeType ?? W, reason: 'not running (exited)' }]);
  });
});

describe('planPass: scale', () => {
  // Its speed is measured in bench/scaler.mjs (a timed assertion here failed on a loaded machine).
  it('plans a pass over 20,000 workers', () => {
    const types = [type('worker.a', { maxWorkers: 20_000 }), type('worker.b', { cpus: 8, maxWorkers: 20_000 })];
    const workers = [
      ...nodes(10_000, { nodeType: 'worker.a', inUse: false }, 'a'),
      ...nodes(10_000, { nodeType: 'worker.b', available: { CPU: 1 } }, 'b'),
    ];
    const i = input(config(types, { maxWorkers: 25_000 }), workers, {
      requests: times(30_000, { CPU: 2 }),
      demands: times(40_000, { CPU: 1 }),
    });
    i.memory.lastUsedAt = new Map(workers.map((w, n) => [w.id, NOW - (n % 20) * MIN]));
    const result = planPass(i);
    expect(result.launch.length).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import {
  gcdOf,
  mergeRequests,
  requestedBundles,
  requestsSatisfied,
  scaleToBundles,
  scaleWaitTarget,
  type ScaleArgs,
} from './requests.js';
import { config as fixtureConfig, type as fixtureType, W } from './scaler.fixtures.js';
import type { PersistedRequest, ResourceBundle, ScalerConfig, ScalerNodeType } from './types.js';

const times = (n: number, b: ResourceBundle): ResourceBundle[] => Array.from({ length: n }, () => ({ ...b }));

function type(name: string, resources: ResourceBundle): ScalerNodeType {
  return {
    name,
    resources: { ...resources, [name]: 1 },
    minWorkers: 0,
    maxWorkers: 10,
    launchPriority: 0,
    launchHash: 'h',
  };
}

function config(...types: ScalerNodeType[]): ScalerConfig {
  return {
    headNodeType: 'head.default',
    workerTypes: Object.fromEntries(types.map((t) => [t.name, t])),
    maxWorkers: 100,
    upscalingSpeed: 1,
    idleTimeoutMs: 300_000,
    heartbeatTimeoutMs: 30_000,
  };
}

const one = config(type('worker.default', { CPU: 4 }));
const two = config(type('worker.small', { CPU: 4 }), type('worker.large', { CPU: 6, GPU: 2 }));
const head = { CPU: 4, 'head.default': 1 };

const BUNDLE_CASES: {
  name: string;
  args: ScaleArgs;
  config: ScalerConfig;
  headResources?: ResourceBundle;
  bundles: ResourceBundle[];
}[] = [
  {
    name: '--workers with the only worker type',
    args: { workers: 3 },
    config: one,
    bundles: times(3, { 'worker.default': 1 }),
  },
  {
    name: '--workers with a named type',
    args: { workers: 2, workerType: 'worker.large' },
    config: two,
    bundles: times(2, { 'worker.large': 1 }),
  },
  { name: '--workers 0 clears the type', args: { workers: 0 }, config: one, bundles: [{ 'worker.default': 0 }] },
  {
    name: '--cpus: the head first, then bundles of the worker CPU size',
    args: { cpus: 12 },
    config: one,
    bundles: [{ CPU: 4 }, { CPU: 4 }, { CPU: 4 }],
  },
  {
    name: '--cpus: gcd across worker types of 4 and 6 CPUs is 2',
    args: { cpus: 10 },
    config: two,
    bundles: [{ CPU: 4 }, ...times(3, { CPU: 2 })],
  },
  {
    name: '--cpus: the rest rounds up',
    args: { cpus: 11 },
    config: two,
    bundles: [{ CPU: 4 }, ...times(4, { CPU: 2 })],
  },
  { name: '--cpus below the head', args: { cpus: 3 }, config: two, bundles: [{ CPU: 3 }] },
  { name: '--cpus 0 clears CPU', args: { cpus: 0 }, config: two, bundles: [{ CPU: 0 }] },
  {
    name: '--cpus with a head of no CPUs',
    args: { cpus: 4 },
    config: one,
    headResources: {},
    bundles: [{ CPU: 4 }],
  },
  {
    name: '--resources split by what the worker types offer',
    args: { resources: { GPU: 3 } },
    config: two,
    bundles: [{ GPU: 2 }, { GPU: 2 }],
  },
  {
    name: '--resources no worker type offers: one bundle',
    args: { resources: { license: 5 } },
    config: two,
    bundles: [{ license: 5 }],
  },
  {
    name: '--resources: the head holds its share of each',
    args: { resources: { CPU: 6, 'head.default': 1 } },
    config: two,
    bundles: [{ CPU: 4, 'head.default': 1 }, { CPU: 2 }],
  },
  {
    name: '--resources with a zero clears that resource and asks for the rest',
    args: { resources: { CPU: 0, GPU: 2 } },
    config: two,
    bundles: [{ CPU: 0 }, { GPU: 2 }],
  },
  {
    name: '--workers and --cpus together',
    args: { workers: 1, cpus: 4 },
    config: one,
    bundles: [{ 'worker.default': 1 }, { CPU: 4 }],
  },
];

describe('scaleToBundles', () => {
  it.each(BUNDLE_CASES)('$name', ({ args, config, headResources = head, bundles }) => {
    expect(scaleToBundles(args, config, headResources)).toEqual(bundles);
  });

  it.each<{ name: string; args: ScaleArgs; config: ScalerConfig; error: RegExp }>([
    { name: 'nothing asked', args: {}, config: one, error: /say how far to scale/ },
    {
      name: '--workers with several worker types and none named',
      args: { workers: 2 },
      config: two,
      error: /several worker types \(worker\.small, worker\.large\)/,
    },
    {
      name: 'an unknown worker type',
      args: { workers: 1, workerType: 'nope' },
      config: two,
      error: /unknown worker type nope/,
    },
    { name: 'no worker types', args: { workers: 1 }, config: config(), error: /no worker types/ },
    { name: 'a fraction of a worker', args: { workers: 1.5 }, config: one, error: /whole number/ },
    { name: 'negative CPUs', args: { cpus: -1 }, config: one, error: /CPU must be a number of at least 0/ },
    { name: 'cpus and resources disagree', args: { cpus: 4, resources: { CPU: 8 } }, config: one, error: /disagree/ },
  ])('rejects $name', ({ args, config, error }) => {
    expect(() => scaleToBundles(args, config, head)).toThrow(error);
  });
});

describe('gcdOf', () => {
  it.each<[number[], number | undefined]>([
    [[4, 6], 2],
    [[4, 8, 16], 4],
    [[3, 0, 5], 1],
    [[0.5, 1.5], 0.5],
    [[0], undefined],
    [[], undefined],
  ])('%j → %s', (amounts, gcd) => {
    expect(gcdOf(amounts)).toBe(gcd);
  });
});

describe('mergeRequests', () => {
  const cpus8: PersistedRequest = { time: 1, bundles: times(2, { CPU: 4 }), origin: '--cpus 8' };
  const workers2: PersistedRequest = { time: 2, bundles: times(2, { 'worker.gpu': 1 }) };

  it.each<{
    name: string;
    persisted: PersistedRequest[];
    bundles: ResourceBundle[];
    override?: boolean;
    result: PersistedRequest[];
  }>([
    {
      name: 'the first request is kept',
      persisted: [],
      bundles: [{ CPU: 4 }],
      result: [{ time: 10, bundles: [{ CPU: 4 }] }],
    },
    {
      name: 'a request for the same resource replaces the older one',
      persisted: [cpus8, workers2],
      bundles: times(3, { CPU: 2 }),
      result: [workers2, { time: 10, bundles: times(3, { CPU: 2 }) }],
    },
    {
      name: 'a request for a different resource adds to the older ones',
      persisted: [cpus8],
      bundles: [{ GPU: 1 }],
      result: [cpus8, { time: 10, bundles: [{ GPU: 1 }] }],
    },
    {
      name: 'override replaces every older request',
      persisted: [cpus8, workers2],
      bundles: [{ GPU: 1 }],
      override: true,
      result: [{ time: 10, bundles: [{ GPU: 1 }] }],
    },
    {
      name: 'zero clears the resource and stores nothing',
      persisted: [cpus8, workers2],
      bundles: [{ CPU: 0 }],
      result: [workers2],
    },
    {
      name: 'zero for one resource, more of another',
      persisted: [cpus8, workers2],
      bundles: [{ 'worker.gpu': 0 }, { GPU: 2 }],
      result: [cpus8, { time: 10, bundles: [{ GPU: 2 }] }],
    },
    {
      name: 'an older request naming any of the resources goes whole',
      persisted: [{ time: 1, bundles: [{ CPU: 2, GPU: 1 }] }],
      bundles: [{ GPU: 2 }],
      result: [{ time: 10, bundles: [{ GPU: 2 }] }],
    },
    {
      name: 'override with zeros clears everything',
      persisted: [cpus8, workers2],
      bundles: [{ CPU: 0 }],
      override: true,
      result: [],
    },
  ])('$name', ({ persisted, bundles, override = false, result }) => {
    const before = structuredClone(persisted);
    expect(mergeRequests(persisted, { bundles, override, time: 10 })).toEqual(result);
    expect(persisted).toEqual(before);
  });

  it('requestedBundles flattens the kept requests, zeros left out', () => {
    expect(requestedBundles([cpus8, workers2, { time: 3, bundles: [{ GPU: 0, CPU: 1 }, { GPU: 0 }] }])).toEqual([
      { CPU: 4 },
      { CPU: 4 },
      { 'worker.gpu': 1 },
      { 'worker.gpu': 1 },
      { CPU: 1 },
    ]);
  });
});

describe('requestsSatisfied', () => {
  const nodes = [{ CPU: 4, 'head.default': 1 }, ...times(2, { CPU: 4, 'worker.default': 1 })];
  it.each<{ name: string; bundles: ResourceBundle[]; satisfied: boolean }>([
    { name: 'enough CPUs', bundles: [{ CPU: 4 }, ...times(4, { CPU: 2 })], satisfied: true },
    { name: 'one CPU bundle too many', bundles: [{ CPU: 4 }, ...times(5, { CPU: 2 })], satisfied: false },
    { name: 'enough workers', bundles: times(2, { 'worker.default': 1 }), satisfied: true },
    { name: 'one worker short', bundles: times(3, { 'worker.default': 1 }), satisfied: false },
    { name: 'a resource nobody has', bundles: [{ GPU: 1 }], satisfied: false },
    { name: 'a clear is always satisfied', bundles: [{ CPU: 0 }], satisfied: true },
  ])('$name: $satisfied', ({ bundles, satisfied }) => {
    expect(requestsSatisfied(bundles, nodes)).toBe(satisfied);
  });
});

describe('scaleWaitTarget', () => {
  const cfg = fixtureConfig([fixtureType(W, { maxWorkers: 5 }), fixtureType('worker.big', { maxWorkers: 50 })], {
    maxWorkers: 20,
  });
  it.each<{ name: string; args: Parameters<typeof scaleWaitTarget>[0]; want: ReturnType<typeof scaleWaitTarget> }>([
    { name: 'no wait asked', args: { wait: false, workers: 3 }, want: undefined },
    { name: 'no workers asked (cpus)', args: { wait: true, cpus: 8 }, want: undefined },
    { name: 'zero workers', args: { wait: true, workers: 0 }, want: undefined },
    { name: 'the first type by default', args: { wait: true, workers: 3 }, want: { nodeType: W, count: 3 } },
    { name: "capped by the type's max_workers", args: { wait: true, workers: 9 }, want: { nodeType: W, count: 5 } },
    {
      name: "capped by the cluster's max_workers",
      args: { wait: true, workers: 30, workerType: 'worker.big' },
      want: { nodeType: 'worker.big', count: 20 },
    },
  ])('$name', ({ args, want }) => {
    expect(scaleWaitTarget(args, cfg)).toEqual(want);
  });
});

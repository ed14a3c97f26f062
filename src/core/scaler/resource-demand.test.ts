import { describe, expect, it } from 'vitest';
import {
  binPackResidual,
  compareScores,
  nodesForDemands,
  upscalingCap,
  utilizationScore,
  type UtilizationScore,
} from './resource-demand.js';
import type { ResourceBundle, ScalerNodeType } from './types.js';

const GiB = 2 ** 30;
const times = (n: number, b: ResourceBundle): ResourceBundle[] => Array.from({ length: n }, () => ({ ...b }));

function type(name: string, resources: ResourceBundle, over: Partial<ScalerNodeType> = {}): ScalerNodeType {
  return {
    name,
    resources: { ...resources, [name]: 1 },
    minWorkers: 0,
    maxWorkers: 100,
    launchPriority: 0,
    launchHash: 'h',
    ...over,
  };
}

const RESIDUAL_CASES: {
  name: string;
  caps: ResourceBundle[];
  demands: ResourceBundle[];
  residual: ResourceBundle[];
  remaining: ResourceBundle[];
}[] = [
  {
    name: 'fits and subtracts',
    caps: [{ CPU: 4 }],
    demands: times(3, { CPU: 1 }),
    residual: [{ CPU: 1 }],
    remaining: [],
  },
  {
    name: 'too big stays',
    caps: [{ CPU: 2 }],
    demands: [{ CPU: 4 }],
    residual: [{ CPU: 2 }],
    remaining: [{ CPU: 4 }],
  },
  {
    name: 'larger sums first (unsorted first-fit would strand the 3)',
    caps: [{ CPU: 3 }, { CPU: 1 }],
    demands: [{ CPU: 1 }, { CPU: 3 }],
    residual: [{ CPU: 0 }, { CPU: 0 }],
    remaining: [],
  },
  {
    name: 'more resource names first',
    caps: [{ CPU: 4, GPU: 1 }],
    demands: [{ CPU: 4 }, { CPU: 1, GPU: 1 }],
    residual: [{ CPU: 3, GPU: 0 }],
    remaining: [{ CPU: 4 }],
  },
  {
    name: 'a resource the node lacks',
    caps: [{ CPU: 4 }],
    demands: [{ GPU: 1 }],
    residual: [{ CPU: 4 }],
    remaining: [{ GPU: 1 }],
  },
  {
    name: 'zero amounts need nothing',
    caps: [{ CPU: 1 }],
    demands: [{ CPU: 0, GPU: 0 }],
    residual: [{ CPU: 1 }],
    remaining: [],
  },
  {
    name: 'fractional amounts add up',
    caps: [{ CPU: 0.3 }],
    demands: times(3, { CPU: 0.1 }),
    residual: [{ CPU: 0 }],
    remaining: [],
  },
  {
    name: 'first fit fills the first node first',
    caps: [{ CPU: 2 }, { CPU: 2 }, { CPU: 2 }],
    demands: times(3, { CPU: 1 }),
    residual: [{ CPU: 0 }, { CPU: 1 }, { CPU: 2 }],
    remaining: [],
  },
  {
    name: 'identical bundles over identical nodes, some left',
    caps: times(2, { CPU: 4, memory: 4 * GiB }),
    demands: times(5, { CPU: 2, memory: GiB }),
    residual: times(2, { CPU: 0, memory: 2 * GiB }),
    remaining: [{ CPU: 2, memory: GiB }],
  },
];

describe('binPackResidual', () => {
  it.each(RESIDUAL_CASES)('$name', ({ caps, demands, residual, remaining }) => {
    expect(binPackResidual(caps, demands)).toEqual({ residual, remaining });
  });

  it('does not change its inputs', () => {
    const caps = [{ CPU: 4 }];
    const demands = [{ CPU: 1 }];
    binPackResidual(caps, demands);
    expect(caps).toEqual([{ CPU: 4 }]);
    expect(demands).toEqual([{ CPU: 1 }]);
  });

  it('packs like placing every bundle one by one (random cases)', () => {
    const rand = prng(7);
    for (let round = 0; round < 300; round++) {
      const caps = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => randomBundle(rand, 8));
      const demands = Array.from({ length: Math.floor(rand() * 30) }, () => randomBundle(rand, 3));
      const naive = naivePack(caps, demands);
      const got = binPackResidual(caps, demands);
      expect(got.residual).toEqual(naive.residual);
      expect(sortBundles(got.remaining)).toEqual(sortBundles(naive.remaining));
    }
  });
});

describe('utilizationScore', () => {
  it.each<{ name: string; node: ResourceBundle; demands: ResourceBundle[]; score: UtilizationScore | undefined }>([
    { name: 'nothing fits', node: { CPU: 2 }, demands: [{ CPU: 4 }], score: undefined },
    { name: 'full use', node: { CPU: 4 }, demands: [{ CPU: 4 }], score: [1, 1, 4, 4] },
    {
      name: 'half CPU, memory unused (in GiB)',
      node: { CPU: 4, memory: 4 * GiB },
      demands: [{ CPU: 2 }],
      score: [1, 1, 0, 0.25],
    },
    { name: 'memory counts in GiB', node: { memory: 8 * GiB }, demands: [{ memory: 4 * GiB }], score: [1, 1, 1, 1] },
    { name: 'GPU node for CPU work', node: { CPU: 4, GPU: 1 }, demands: [{ CPU: 4 }], score: [0, 1, 0, 2] },
    { name: 'GPU node for GPU work', node: { CPU: 4, GPU: 1 }, demands: [{ CPU: 4, GPU: 1 }], score: [1, 2, 1, 2.5] },
    {
      name: 'only the demands that fit count',
      node: { CPU: 4 },
      demands: [{ CPU: 3 }, { CPU: 3 }],
      score: [1, 1, 27 / 16, 27 / 16],
    },
  ])('$name', ({ node, demands, score }) => {
    expect(utilizationScore(node, demands)).toEqual(score);
  });

  it.each<[UtilizationScore | undefined, UtilizationScore | undefined, number]>([
    [[1, 0, 0, 0], [0, 5, 9, 9], 1],
    [[1, 2, 0, 0], [1, 1, 9, 9], 1],
    [[1, 1, 1, 0], [1, 1, 0, 9], 1],
    [[1, 1, 1, 2], [1, 1, 1, 1], 1],
    [undefined, [0, 0, 0, 0], -1],
    [undefined, undefined, 0],
  ])('compareScores(%j, %j) has the sign of %d', (a, b, sign) => {
    expect(Math.sign(compareScores(a, b))).toBe(sign);
  });
});

const small = type('small', { CPU: 2 });
const large = type('large', { CPU: 8 });
const cpu = type('cpu', { CPU: 4 });
const gpu = type('gpu', { CPU: 16, GPU: 1 });

const DEMAND_CASES: {
  name: string;
  types: ScalerNodeType[];
  existing?: Record<string, number>;
  demands: ResourceBundle[];
  maxWorkers?: number;
  unavailable?: string[];
  add: Record<string, number>;
  infeasible?: ResourceBundle[];
  unmet?: ResourceBundle[];
}[] = [
  { name: 'one large node is used best', types: [small, large], demands: times(4, { CPU: 2 }), add: { large: 1 } },
  { name: 'a small demand takes the small type', types: [small, large], demands: [{ CPU: 2 }], add: { small: 1 } },
  {
    name: 'a big remainder mixes types',
    types: [small, large],
    demands: times(5, { CPU: 2 }),
    add: { large: 1, small: 1 },
  },
  {
    name: 'GPU nodes are kept for GPU work',
    types: [gpu, cpu],
    demands: times(16, { CPU: 1 }),
    add: { cpu: 4 },
  },
  {
    name: 'GPU work takes the GPU type',
    types: [cpu, gpu],
    demands: [{ CPU: 1, GPU: 1 }, ...times(3, { CPU: 1 })],
    add: { gpu: 1 },
  },
  {
    name: 'the type matching more demanded resources wins',
    types: [small, type('tagged', { CPU: 2, tag: 1 })],
    demands: [{ CPU: 2 }, { tag: 1 }],
    add: { tagged: 1 },
  },
  {
    name: 'per-type max_workers, existing nodes count',
    types: [type('t', { CPU: 2 }, { maxWorkers: 3 })],
    existing: { t: 1 },
    demands: times(5, { CPU: 2 }),
    add: { t: 2 },
    unmet: times(3, { CPU: 2 }),
  },
  {
    name: 'global max_workers',
    types: [small],
    existing: { small: 2 },
    maxWorkers: 3,
    demands: times(4, { CPU: 2 }),
    add: { small: 1 },
    unmet: times(3, { CPU: 2 }),
  },
  {
    name: 'a capped type leaves the rest to the next best',
    types: [type('large', { CPU: 8 }, { maxWorkers: 1 }), small],
    demands: times(6, { CPU: 2 }),
    add: { large: 1, small: 2 },
  },
  {
    name: 'no type can ever hold it',
    types: [small, large],
    demands: [{ CPU: 64 }, { CPU: 1 }],
    add: { small: 1 },
    infeasible: [{ CPU: 64 }],
  },
  {
    name: 'a type with max_workers 0 cannot hold anything',
    types: [type('large', { CPU: 8 }, { maxWorkers: 0 })],
    demands: [{ CPU: 8 }],
    add: {},
    infeasible: [{ CPU: 8 }],
  },
  {
    name: 'an unavailable type is skipped, and what only it fits waits',
    types: [small, large],
    unavailable: ['large'],
    demands: [{ CPU: 8 }, ...times(2, { CPU: 2 })],
    add: { small: 2 },
    unmet: [{ CPU: 8 }],
  },
  {
    name: 'thousands of identical demands',
    types: [cpu],
    demands: times(10_000, { CPU: 1 }),
    maxWorkers: 100_000,
    add: { cpu: 100 },
    unmet: times(9_600, { CPU: 1 }),
  },
];

describe('nodesForDemands', () => {
  it.each(DEMAND_CASES)(
    '$name',
    ({ types, existing = {}, demands, maxWorkers = 1000, unavailable, add, infeasible = [], unmet = [] }) => {
      const got = nodesForDemands(types, existing, demands, {
        maxWorkers,
        ...(unavailable ? { unavailable: new Set(unavailable) } : {}),
      });
      expect(got).toEqual({ add, infeasible, unmet });
    },
  );

  it('adds nodes like adding them one at a time (random cases)', () => {
    const rand = prng(11);
    for (let round = 0; round < 200; round++) {
      const types = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) =>
        type(`t${i}`, randomBundle(rand, 8), { maxWorkers: 1 + Math.floor(rand() * 20) }),
      );
      const demands = Array.from({ length: Math.floor(rand() * 60) }, () => randomBundle(rand, 3));
      const maxWorkers = 1 + Math.floor(rand() * 40);
      expect(nodesForDemands(types, {}, demands, { maxWorkers }).add).toEqual(
        naiveNodesFor(types, demands, maxWorkers),
      );
    }
  });
});

describe('upscalingCap', () => {
  it.each([
    { speed: 1, running: 0, pending: 0, cap: 5 },
    { speed: 1, running: 10, pending: 0, cap: 10 },
    { speed: 1, running: 10, pending: 4, cap: 6 },
    { speed: 0.5, running: 20, pending: 0, cap: 10 },
    { speed: 2.5, running: 4, pending: 1, cap: 9 },
    { speed: 1, running: 3, pending: 7, cap: 0 },
    { speed: 0, running: 100, pending: 0, cap: 5 },
  ])('speed $speed, $running running, $pending pending: $cap', ({ speed, running, pending, cap }) => {
    expect(upscalingCap(speed, running, pending)).toBe(cap);
  });
});

// --- references and helpers --------------------------------------------------------------------

function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function randomBundle(rand: () => number, max: number): ResourceBundle {
  const out: ResourceBundle = {};
  for (const k of ['CPU', 'GPU', 'x']) if (rand() < (k === 'CPU' ? 0.9 : 0.3)) out[k] = 1 + Math.floor(rand() * max);
  return Object.keys(out).length > 0 ? out : { CPU: 1 };
}

const sortKey = (b: ResourceBundle): [number, number, string] => {
  const items = Object.entries(b).sort(([a], [c]) => (a < c ? -1 : 1));
  return [items.length, items.reduce((s, [, v]) => s + v, 0), JSON.stringify(items)];
};

function sortBundles(bs: ResourceBundle[]): ResourceBundle[] {
  return [...bs].sort((a, b) => JSON.stringify(sortKey(a)).localeCompare(JSON.stringify(sortKey(b))));
}

/** One bundle at a time, CloudTik's order, first node with room. */
function naivePack(caps: ResourceBundle[], demands: ResourceBundle[]) {
  const residual = caps.map((c) => ({ ...c }));
  const ordered = [...demands].sort((a, b) => {
    const [na, sa] = sortKey(a);
    const [nb, sb] = sortKey(b);
    if (na !== nb) return nb - na;
    if (sa !== sb) return sb - sa;
    const ia = Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1));
    const ib = Object.entries(b).sort(([x], [y]) => (x < y ? -1 : 1));
    for (let i = 0; i < ia.length; i++) {
      const [ka, va] = ia[i]!;
      const [kb, vb] = ib[i]!;
      if (ka !== kb) return ka < kb ? 1 : -1;
      if (va !== vb) return vb - va;
    }
    return 0;
  });
  const remaining: ResourceBundle[] = [];
  for (const d of ordered) {
    const node = residual.find((c) => Object.entries(d).every(([k, v]) => (c[k] ?? -1) >= v));
    if (!node) remaining.push(d);
    else for (const [k, v] of Object.entries(d)) node[k] = (node[k] as number) - v;
  }
  return { residual, remaining };
}

/** CloudTik's greedy, one node per step. */
function naiveNodesFor(types: ScalerNodeType[], demands: ResourceBundle[], maxWorkers: number) {
  const add: Record<string, number> = {};
  let left = demands.filter((d) => types.some((t) => naivePack([t.resources], [d]).remaining.length === 0));
  let total = 0;
  while (left.length > 0 && total < maxWorkers) {
    let best: { t: ScalerNodeType; score: UtilizationScore } | undefined;
    for (const t of types) {
      if ((add[t.name] ?? 0) >= t.maxWorkers) continue;
      const score = utilizationScore(t.resources, left);
      if (score && (!best || compareScores(score, best.score) > 0)) best = { t, score };
    }
    if (!best) break;
    add[best.t.name] = (add[best.t.name] ?? 0) + 1;
    total++;
    left = naivePack([best.t.resources], left).remaining;
  }
  return add;
}

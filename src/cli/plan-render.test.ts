import { describe, expect, it } from 'vitest';
import type { ClusterPlan } from '../core/cluster/plan.js';
import type { NodeStep } from '../core/plan-start/decide.js';
import { planCounts, renderPlan, stepWhy } from './plan-render.js';

const head: NodeStep = {
  node: 'h1',
  ip: '10.0.0.1',
  kind: 'head',
  nodeType: 'head.default',
  action: 'setup',
  reason: 'setup inputs changed',
  changed: ['setup commands', 'file mount contents'],
  by: 'start',
};
const worker: NodeStep = {
  node: 'w1',
  ip: '10.0.0.2',
  kind: 'worker',
  nodeType: 'w',
  action: 'nothing',
  reason: 'setup inputs unchanged',
  by: 'controller',
};
const create: NodeStep = {
  kind: 'worker',
  nodeType: 'w',
  action: 'create',
  count: 2,
  reason: 'min_workers of w',
  by: 'controller',
};

describe('stepWhy', () => {
  it.each([
    {
      step: { reason: 'setup inputs changed', changed: ['setup commands'] },
      want: 'setup inputs changed: setup commands',
    },
    { step: { reason: 'setup inputs changed', changed: [] }, want: 'setup inputs changed' },
    { step: { reason: 'setup inputs changed' }, want: 'setup inputs changed' },
    {
      step: { reason: 'outdated launch config', changed: ['node config', 'image'] },
      want: 'outdated launch config: node config, image',
    },
  ])('$want', ({ step, want }) => expect(stepWhy(step)).toBe(want));
});

describe('planCounts', () => {
  it.each([
    { nodes: [head, worker], want: '1 setup, 1 nothing' },
    { nodes: [create, head], want: '1 create (2 nodes), 1 setup' },
    { nodes: [{ ...create, count: 1 }], want: '1 create' },
    { nodes: [], want: '' },
  ])('$want', ({ nodes, want }) => expect(planCounts(nodes)).toBe(want));
});

describe('renderPlan', () => {
  const plan: ClusterPlan = {
    cluster: 'c',
    workspace: 'w',
    mode: 'full',
    items: [{ kind: 'image', name: 'cloudtik/cloudtik:1', action: 'build', reason: 'not in the engine' }],
    nodes: [head, worker, create],
  };

  it('lists the cluster items, one row per node with the reason and who acts, and the counts', () => {
    expect(renderPlan(plan).split('\n')).toEqual([
      'Plan of cloudtik start for cluster c in workspace w (full):',
      '  image cloudtik/cloudtik:1: build (not in the engine)',
      '',
      'NODE     IP        KIND    TYPE          ACTION   BY               WHY',
      'h1       10.0.0.1  head    head.default  setup    start            setup inputs changed: setup commands, file mount contents',
      'w1       10.0.0.2  worker  w             nothing  head controller  setup inputs unchanged',
      '(2 new)  -         worker  w             create   head controller  min_workers of w',
      '',
      '1 create (2 nodes), 1 setup, 1 nothing. Nothing was changed.',
    ]);
  });

  it('says when there is nothing to do', () => {
    const last = renderPlan({ ...plan, items: [], nodes: [worker] })
      .split('\n')
      .at(-1);
    expect(last).toBe('1 nothing: nothing to do. Nothing was changed.');
  });
});

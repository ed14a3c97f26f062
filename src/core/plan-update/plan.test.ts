import { describe, expect, it } from 'vitest';
import type { CommandGroup, MergedCommands } from '../../config/types.js';
import { TAG } from '../../providers/provider.js';
import {
  commandGroupsOf,
  planNodeUpdate,
  retryPolicy,
  upToDateTags,
  type UpdateSteps,
  type UpdateStepsInput,
} from './plan.js';

const CURRENT = { [TAG.runtimeConfig]: 'r1', [TAG.fileMountsContents]: 'f1', [TAG.setupAt]: '5' };

function input(over: Partial<UpdateStepsInput> = {}): UpdateStepsInput {
  return { mode: 'full', force: false, tags: {}, runtimeHash: 'r1', fileMountsHash: 'f1', fileMounts: 0, ...over };
}

describe('planNodeUpdate', () => {
  it.each<{ name: string; input: UpdateStepsInput; want: Partial<UpdateSteps> }>([
    {
      name: 'a new node: setup and start, both recorded',
      input: input(),
      want: { upToDate: false, setup: true, skipped: undefined, start: true, recordHashes: true, recordSetupAt: true },
    },
    {
      name: 'a new node with file mounts copies them',
      input: input({ fileMounts: 2 }),
      want: { setup: true, syncFiles: true },
    },
    {
      name: 'the same inputs: no setup, the start runs, the setup time stays',
      input: input({ tags: CURRENT, fileMounts: 2 }),
      want: {
        upToDate: true,
        setup: false,
        syncFiles: false,
        skipped: 'no change',
        start: true,
        recordHashes: true,
        recordSetupAt: false,
      },
    },
    {
      name: 'forced: the setup runs on a node with the same inputs',
      input: input({ tags: CURRENT, force: true }),
      want: { upToDate: false, setup: true, recordSetupAt: true },
    },
    {
      name: 'the runtime config changed',
      input: input({ tags: { ...CURRENT, [TAG.runtimeConfig]: 'r0' } }),
      want: { setup: true, recordHashes: true },
    },
    {
      name: 'the file mounts changed',
      input: input({ tags: { ...CURRENT, [TAG.fileMountsContents]: 'f0' } }),
      want: { setup: true },
    },
    {
      name: 'restart only on a changed node: no setup, and the old hashes stay (it still needs one)',
      input: input({ mode: 'restart-only', tags: { ...CURRENT, [TAG.runtimeConfig]: 'r0' } }),
      want: { setup: false, skipped: 'restart only', start: true, recordHashes: false, recordSetupAt: false },
    },
    {
      name: 'restart only on a node never set up records no hashes, but a setup time',
      input: input({ mode: 'restart-only' }),
      want: { setup: false, skipped: 'restart only', recordHashes: false, recordSetupAt: true },
    },
    {
      name: 'no restart: setup without the start commands',
      input: input({ mode: 'no-restart' }),
      want: { setup: true, start: false },
    },
  ])('$name', ({ input: given, want }) => {
    expect(planNodeUpdate(given)).toMatchObject(want);
  });
});

describe('upToDateTags', () => {
  const done = { runtimeHash: 'r2', fileMountsHash: 'f2', now: 42 };
  it.each<{ name: string; steps: Pick<UpdateSteps, 'recordHashes' | 'recordSetupAt'>; want: Record<string, string> }>([
    {
      name: 'hashes and time',
      steps: { recordHashes: true, recordSetupAt: true },
      want: { [TAG.runtimeConfig]: 'r2', [TAG.fileMountsContents]: 'f2', [TAG.setupAt]: '42' },
    },
    {
      name: 'hashes only',
      steps: { recordHashes: true, recordSetupAt: false },
      want: { [TAG.runtimeConfig]: 'r2', [TAG.fileMountsContents]: 'f2' },
    },
    { name: 'time only', steps: { recordHashes: false, recordSetupAt: true }, want: { [TAG.setupAt]: '42' } },
    { name: 'nothing', steps: { recordHashes: false, recordSetupAt: false }, want: {} },
  ])('$name', ({ steps, want }) => {
    expect(upToDateTags(planStepsWith(steps), done)).toEqual(want);
  });
});

describe('upToDateTags with the setup inputs', () => {
  const done = { runtimeHash: 'r2', fileMountsHash: 'f2', now: 42, inputs: 'image=i1' };
  it.each([
    { recordHashes: true, want: 'image=i1' },
    { recordHashes: false, want: undefined },
  ])('recorded with the hashes: $recordHashes', ({ recordHashes, want }) => {
    const tags = upToDateTags(planStepsWith({ recordHashes, recordSetupAt: false }), done);
    expect(tags[TAG.setupInputs]).toBe(want);
  });
});

function planStepsWith(over: Pick<UpdateSteps, 'recordHashes' | 'recordSetupAt'>): UpdateSteps {
  return { ...planNodeUpdate(input()), ...over };
}

describe('commandGroupsOf', () => {
  const g = (name: string): CommandGroup[] => [{ group_name: name, commands: [name] }];
  const commands = {
    head_initialization_commands: g('hi'),
    worker_initialization_commands: g('wi'),
    head_setup_commands: g('hs'),
    worker_setup_commands: g('ws'),
    head_start_commands: g('hst'),
    worker_start_commands: g('wst'),
    head_stop_commands: g('hsp'),
    worker_stop_commands: g('wsp'),
  } satisfies MergedCommands;
  it.each([
    { kind: 'head' as const, want: { initialization: g('hi'), setup: g('hs'), start: g('hst') } },
    { kind: 'worker' as const, want: { initialization: g('wi'), setup: g('ws'), start: g('wst') } },
  ])('$kind', ({ kind, want }) => {
    expect(commandGroupsOf(commands, kind)).toEqual(want);
  });
});

describe('retryPolicy', () => {
  it.each([
    {
      name: 'off: no retries',
      options: { number_of_retries: 5 },
      retry: false,
      want: { retries: 0, intervalMs: 1000 },
    },
    { name: 'on, by default 3 retries 1 s apart', options: {}, retry: true, want: { retries: 3, intervalMs: 1000 } },
    {
      name: 'on, as configured',
      options: { number_of_retries: 5, retry_interval: 2 },
      retry: true,
      want: { retries: 5, intervalMs: 2000 },
    },
    { name: 'unset counts as off', options: {}, retry: undefined, want: { retries: 0, intervalMs: 1000 } },
  ])('$name', ({ options, retry, want }) => {
    expect(retryPolicy(options, retry)).toEqual(want);
  });
});

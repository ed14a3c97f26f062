import { parseMemory } from '../../../core/units.js';
import { defineCommand, opt } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, workspaceNameOption } from '../../common.js';

/** `CPU:4,GPU:1,memory:8G` into a resource bundle (memory accepts units). */
export function parseResources(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][\w.-]*)\s*[:=]\s*(\S+)$/.exec(part);
    if (!m) throw new Error(`expected NAME:AMOUNT pairs like CPU:4,GPU:1, got ${JSON.stringify(part)}`);
    const [, name = '', raw = ''] = m;
    const amount = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : name === 'memory' ? memoryOrNaN(raw) : NaN;
    if (!Number.isFinite(amount) || amount < 0) throw new Error(`${name}: expected a non-negative amount, got ${raw}`);
    out[name] = amount;
  }
  if (Object.keys(out).length === 0) throw new Error('no resources given');
  return out;
}

function memoryOrNaN(raw: string): number {
  try {
    return parseMemory(raw);
  } catch {
    return NaN;
  }
}

/** How the request reads in the head's events: `scale --workers 2 --resources {"GPU":1}`. */
export function scaleOrigin(asked: {
  workers?: number | undefined;
  cpus?: number | undefined;
  resources?: Record<string, number> | undefined;
  workerType?: string | undefined;
}): string {
  const given: Array<[string, string | number | Record<string, number> | undefined]> = [
    ['--workers', asked.workers],
    ['--cpus', asked.cpus],
    ['--resources', asked.resources],
    ['--worker-type', asked.workerType],
  ];
  const flags = given
    .filter(([, v]) => v !== undefined)
    .map(([flag, v]) => `${flag} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return ['scale', ...flags].join(' ');
}

export const command = defineCommand({
  name: 'scale',
  description:
    'ask the head for more workers (a floor it keeps; idle workers above it retire after idle_timeout_minutes)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    opt.int('--workers <n>', 'keep at least N workers (of --worker-type)'),
    opt.int('--cpus <n>', 'keep at least N CPUs in the cluster, head included'),
    opt.parsed('--resources <list>', 'keep resources like CPU:8,GPU:1', parseResources),
    opt.string('--worker-type <type>', 'the worker type for --workers (needed with several types)'),
    opt.flag('--up-only', 'do nothing if the cluster already has what is asked for'),
    opt.flag('--override', 'replace every earlier request instead of the ones for the same resources'),
    opt.flag('--no-wait', 'return once the head has the request, without waiting for workers'),
    opt.int('--timeout <seconds>', 'give up waiting after this many seconds', 600),
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0], opts, ctx.reporter);
    const { scaleCluster } = await import('../../../core/cluster/scale.js');
    const result = await scaleCluster({
      config,
      workers: opts.workers,
      cpus: opts.cpus,
      resources: opts.resources,
      workerType: opts.workerType,
      upOnly: opts.upOnly === true,
      override: opts.override === true,
      wait: opts.wait,
      timeoutMs: opts.timeout * 1000,
      sink: (e) => ctx.reporter.event(e),
      signal: ctx.signal,
      origin: scaleOrigin(opts),
    });
    const text = result.skipped
      ? 'Nothing to do: the cluster already has that.'
      : result.joined !== undefined
        ? `Scaled: ${result.joined} worker(s) joined.`
        : 'The head has the request; workers launch in the background (cloudtik status shows them).';
    ctx.reporter.result(result, text);
  },
});

import { parseMemory } from '../../../core/units.js';
import { defineCommand, opt } from '../../command-spec.js';
import {
  CLUSTER_FILE_ARG,
  asUsage,
  clusterNameOption,
  confirm,
  loadCluster,
  workspaceNameOption,
  yesOption,
} from '../../common.js';

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

/** `--gpus N` into the resources asked for (`--resources GPU:…` must agree). */
export function withGpus(
  resources: Record<string, number> | undefined,
  gpus: number | undefined,
): Record<string, number> | undefined {
  if (gpus === undefined) return resources;
  if (resources?.GPU !== undefined && resources.GPU !== gpus) {
    throw new Error(`--gpus ${gpus} and --resources GPU:${resources.GPU} disagree: give one of them`);
  }
  return { ...resources, GPU: gpus };
}

/** `--bundles '[{"CPU":4},{"GPU":1}]'`: a JSON list of resource bundles, each NAME: non-negative amount. */
export function parseBundles(value: string): Record<string, number>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`expected a JSON list of bundles like '[{"CPU":4},{"GPU":1}]', got ${value}`);
  }
  const list = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  return list.map((b) => {
    if (typeof b !== 'object' || b === null || Array.isArray(b) || Object.keys(b).length === 0) {
      throw new Error(`each bundle is an object of resources like {"CPU":4}, got ${JSON.stringify(b)}`);
    }
    for (const [k, v] of Object.entries(b)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new Error(`${k}: expected a non-negative amount, got ${JSON.stringify(v)}`);
      }
    }
    return b as Record<string, number>;
  });
}

/** How the request reads in the head's events: `scale --workers 2 --resources {"GPU":1}`. */
export function scaleOrigin(asked: {
  workers?: number | undefined;
  cpus?: number | undefined;
  gpus?: number | undefined;
  resources?: Record<string, number> | undefined;
  bundles?: Record<string, number>[] | undefined;
  workerType?: string | undefined;
}): string {
  const given: Array<[string, string | number | object | undefined]> = [
    ['--workers', asked.workers],
    ['--cpus', asked.cpus],
    ['--gpus', asked.gpus],
    ['--resources', asked.resources],
    ['--bundles', asked.bundles],
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
    opt.int('--gpus <n>', 'keep at least N GPUs in the cluster'),
    opt.parsed(
      '--bundles <json>',
      'keep room for these resource bundles, e.g. \'[{"CPU":4},{"GPU":1}]\'',
      parseBundles,
    ),
    yesOption,
    opt.parsed('--resources <list>', 'keep resources like CPU:8,GPU:1', parseResources),
    opt.string('--worker-type <type>', 'the worker type for --workers (needed with several types)'),
    opt.flag('--up-only', 'do nothing if the cluster already has what is asked for'),
    opt.flag('--override', 'replace every earlier request instead of the ones for the same resources'),
    opt.flag('--no-wait', 'return once the head has the request, without waiting for workers'),
    opt.int('--timeout <seconds>', 'give up waiting after this many seconds', 600),
  ],
  async run(args, opts, ctx) {
    const resources = asUsage(() => withGpus(opts.resources, opts.gpus));
    const config = await loadCluster(args[0], opts, ctx.reporter);
    // --override drops the earlier requests (workers above the new floor retire): asked on a terminal.
    const ask = opts.override === true && opts.yes !== true && process.stdin.isTTY === true;
    if (ask && !(await confirm(`Replace every earlier scale request of cluster ${config.cluster_name}?`, false)))
      return 1;
    const { scaleCluster } = await import('../../../core/cluster/scale.js');
    const result = await scaleCluster({
      config,
      workers: opts.workers,
      cpus: opts.cpus,
      resources,
      ...(opts.bundles ? { bundles: opts.bundles } : {}),
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

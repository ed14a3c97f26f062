import { parseMemory } from '../../../core/units.js';
import type { CommandSpec } from '../../command-spec.js';
import { CLUSTER_FILE_ARG, clusterNameOption, loadCluster, parseInteger, workspaceNameOption } from '../../common.js';

/** `CPU:4,GPU:1,memory:8G` into a resource bundle (memory accepts units). */
export function parseResources(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z_][\w.-]*)\s*[:=]\s*(\S+)$/.exec(part);
    if (!m) throw new Error(`expected NAME:AMOUNT pairs like CPU:4,GPU:1, got ${JSON.stringify(part)}`);
    const [, name, raw] = m as unknown as [string, string, string];
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

export const command: CommandSpec = {
  name: 'scale',
  description:
    'ask the head for more workers (a floor it keeps; idle workers above it retire after idle_timeout_minutes)',
  arguments: [CLUSTER_FILE_ARG],
  options: [
    clusterNameOption,
    workspaceNameOption,
    { flags: '--workers <n>', description: 'keep at least N workers (of --worker-type)', parse: parseInteger },
    { flags: '--cpus <n>', description: 'keep at least N CPUs in the cluster, head included', parse: parseInteger },
    { flags: '--resources <list>', description: 'keep resources like CPU:8,GPU:1', parse: (v) => parseResources(v) },
    { flags: '--worker-type <type>', description: 'the worker type for --workers (needed with several types)' },
    { flags: '--up-only', description: 'do nothing if the cluster already has what is asked for' },
    { flags: '--override', description: 'replace every earlier request instead of the ones for the same resources' },
    { flags: '--no-wait', description: 'return once the head has the request, without waiting for workers' },
    {
      flags: '--timeout <seconds>',
      description: 'give up waiting after this many seconds',
      parse: parseInteger,
      default: 600,
    },
  ],
  async run(args, opts, ctx) {
    const config = await loadCluster(args[0] as string, opts, ctx.reporter);
    const { scaleCluster } = await import('../../../core/cluster/scale.js');
    const origin = ['--workers', '--cpus', '--resources', '--worker-type']
      .map((flag) => {
        const key = flag.slice(2).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
        const v = opts[key];
        if (v === undefined) return '';
        return `${flag} ${typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}`;
      })
      .filter(Boolean)
      .join(' ');
    const result = await scaleCluster({
      config,
      ...(opts.workers !== undefined ? { workers: opts.workers as number } : {}),
      ...(opts.cpus !== undefined ? { cpus: opts.cpus as number } : {}),
      ...(opts.resources !== undefined ? { resources: opts.resources as Record<string, number> } : {}),
      ...(opts.workerType !== undefined ? { workerType: opts.workerType as string } : {}),
      upOnly: opts.upOnly === true,
      override: opts.override === true,
      wait: opts.wait !== false,
      timeoutMs: (opts.timeout as number) * 1000,
      sink: (e) => ctx.reporter.event(e),
      signal: ctx.signal,
      origin: `scale ${origin}`.trim(),
    });
    const text = result.skipped
      ? 'Nothing to do: the cluster already has that.'
      : result.joined !== undefined
        ? `Scaled: ${result.joined} worker(s) joined.`
        : 'The head has the request; workers launch in the background (cloudtik status shows them).';
    ctx.reporter.result(result, text);
  },
};

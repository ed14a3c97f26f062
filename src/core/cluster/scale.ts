/**
 * `cloudtik scale`: turn the user's ask (workers, CPUs or resources) into resource bundles, merge
 * them into the requests kept on the head (a floor the controller keeps the cluster at, which
 * survives controller restarts), and optionally wait until the workers joined.
 */
import type { ClusterConfig } from '../../config/types.js';
import { TAG, type NodeInfo } from '../../providers/provider.js';
import { CloudtikError } from '../errors.js';
import { logEvent, type EventSink } from '../events.js';
import { mergeRequests, requestsSatisfied, scaleToBundles, scaleWaitTarget } from '../scaler/requests.js';
import { scalerConfigOf } from '../scaler/config.js';
import type { ResourceBundle, ScalerConfig } from '../scaler/types.js';
import type { StateStore, StoredRequest } from '../state/store.js';
import { openCluster } from './context.js';
import { openHeadStore } from './head-state.js';
import { waitForWorkers } from './wait.js';

export interface ScaleOptions {
  config: ClusterConfig;
  workers?: number;
  cpus?: number;
  resources?: ResourceBundle;
  /** Bundles asked for as they are (`--bundles '[{"CPU":4}]'`), besides the others. */
  bundles?: ResourceBundle[];
  workerType?: string;
  upOnly?: boolean;
  override?: boolean;
  /** Wait until the asked workers joined (only for `workers`). */
  wait: boolean;
  timeoutMs: number;
  sink: EventSink;
  signal?: AbortSignal;
  origin: string;
}

export interface ScaleResult {
  cluster: string;
  bundles: ResourceBundle[];
  skipped: boolean;
  requests: { time: number; bundles: ResourceBundle[] }[];
  joined?: number;
}

/**
 * Record the scale request on the head and wake its controller; with `wait`, wait until the asked
 * workers joined. The bundles and what to wait for are decided by the pure scaler
 * (scaleToBundles, scaleWaitTarget in src/core/scaler/requests.ts).
 */
export async function scaleCluster(options: ScaleOptions): Promise<ScaleResult> {
  const { config, sink } = options;
  const scaler = scalerConfigOf(config);
  const bundles = bundlesOf(options, scaler);
  const ctx = await openCluster(config, { requireWorkspace: false });
  const store = await openHeadStore(ctx);
  try {
    const nodes = await ctx.provider.listNodes();
    const current = nodes.filter((n) => n.running && n.tags[TAG.nodeStatus] === 'up-to-date');
    const persisted = await store.requests();
    if (
      options.upOnly &&
      requestsSatisfied(
        bundles,
        current.map((n) => resourcesOf(config, n)),
      )
    ) {
      logEvent(sink, 'info', 'the cluster already has what was asked for (--up-only): nothing to do');
      return { cluster: config.cluster_name, bundles, skipped: true, requests: persisted };
    }
    const merged = await recordRequest(store, persisted, { bundles, options });
    logEvent(sink, 'info', `asked the head for ${describe(bundles)}`);
    const target = scaleWaitTarget(options, scaler);
    const joined = target
      ? (
          await waitForWorkers(ctx, {
            targets: { [target.nodeType]: target.count },
            timeoutMs: options.timeoutMs,
            sink,
            signal: options.signal,
          })
        ).length
      : undefined;
    return {
      cluster: config.cluster_name,
      bundles,
      skipped: false,
      requests: merged,
      ...(joined !== undefined ? { joined } : {}),
    };
  } finally {
    await store.close();
  }
}

/** The bundles the user asks for; a request that cannot be meant is a usage error naming the worker types. */
function bundlesOf(options: ScaleOptions, scaler: ScalerConfig): ResourceBundle[] {
  const { config } = options;
  const given = options.bundles ?? [];
  if (options.workers === undefined && options.cpus === undefined && options.resources === undefined) {
    if (given.length > 0) return given;
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'say how far to scale', {
      hint: 'use --workers N, --cpus N, --gpus N, --resources CPU:4,GPU:1 or --bundles \'[{"CPU":4}]\'',
    });
  }
  const headResources = config.available_node_types[config.head_node_type]?.resources ?? {};
  try {
    return [
      ...given,
      ...scaleToBundles(
        {
          ...(options.workers !== undefined ? { workers: options.workers } : {}),
          ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
          ...(options.resources !== undefined ? { resources: options.resources } : {}),
          ...(options.workerType !== undefined ? { workerType: options.workerType } : {}),
        },
        scaler,
        headResources,
      ),
    ];
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', err instanceof Error ? err.message : String(err), {
      hint: `worker types: ${Object.keys(scaler.workerTypes).join(', ')}`,
    });
  }
}

/** Merge the request into those kept on the head, record it as an event and wake the controller. */
async function recordRequest(
  store: StateStore,
  persisted: StoredRequest[],
  ask: { bundles: ResourceBundle[]; options: ScaleOptions },
): Promise<StoredRequest[]> {
  const { bundles, options } = ask;
  const time = Date.now();
  const merged = mergeRequests(persisted, { bundles, override: options.override === true, time });
  await store.setRequests(merged.map((r) => ({ ...r, ...(r.time === time ? { origin: options.origin } : {}) })));
  await store.addEvents([
    {
      time,
      kind: 'request',
      reason: options.origin,
      message: `scale request: ${options.origin} (${bundles.length} bundle(s))`,
    },
  ]);
  await store.wake();
  return merged;
}

function resourcesOf(config: ClusterConfig, n: NodeInfo): ResourceBundle {
  return config.available_node_types[n.nodeType]?.resources ?? {};
}

function describe(bundles: ResourceBundle[]): string {
  const counts = new Map<string, number>();
  for (const b of bundles) {
    const key = Object.entries(b)
      .map(([k, v]) => `${k}:${v}`)
      .join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × {${k}}`).join(', ') || 'nothing';
}

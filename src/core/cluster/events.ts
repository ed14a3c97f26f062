import { NODE_RUNTIME_DIR } from '../../config/env.js';
import type { ClusterConfig } from '../../config/types.js';
import { systemClock } from '../clock.js';
import { CloudtikError } from '../errors.js';
import type { ClusterEvent } from '../state/store.js';
import { openCluster } from './context.js';
import { openHeadStore } from './head-state.js';
import { requireHead } from './nodes.js';

export async function readEvents(config: ClusterConfig, limit: number): Promise<ClusterEvent[]> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const store = await openHeadStore(ctx);
  try {
    return await store.events(limit);
  } finally {
    await store.close();
  }
}

/** Print the last `limit` events, then new ones as they come, until `signal` aborts. */
export async function followEvents(
  config: ClusterConfig,
  limit: number,
  signal: AbortSignal,
  onEvent: (e: ClusterEvent) => void,
): Promise<void> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const store = await openHeadStore(ctx);
  const seen = new Set<string>();
  const key = (e: ClusterEvent): string => `${e.time}\0${e.kind}\0${e.message}`;
  try {
    let first = true;
    while (!signal.aborted) {
      const events = await store.events(first ? limit : 200);
      for (const e of events) {
        if (seen.has(key(e))) continue;
        seen.add(key(e));
        onEvent(e);
      }
      first = false;
      await systemClock.sleep(500, signal).catch(() => undefined);
    }
  } finally {
    await store.close();
  }
}

/** Stream the controller's log from the head (`tail -F`), until `signal` aborts. */
export async function monitorController(
  config: ClusterConfig,
  lines: number,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<number> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const head = requireHead(config, await ctx.provider.listNodes());
  const runner = ctx.provider.commandRunner(head);
  let buffer = '';
  const r = await runner
    .run({
      command: `tail -n ${Math.max(0, Math.floor(lines))} -F ~/${NODE_RUNTIME_DIR}/logs/controller.log 2>/dev/null`,
      signal,
      onStdout: (text) => {
        buffer += text;
        const parts = buffer.split('\n');
        buffer = parts.pop() ?? '';
        for (const p of parts) if (p.trim() !== '') onLine(p);
      },
    })
    .catch((err: unknown) => {
      if (signal.aborted) return { exitCode: 0, stdout: '', stderr: '' };
      throw err;
    });
  if (r.exitCode !== 0 && !signal.aborted) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `could not read the controller log on ${head.id}`, {
      details: [r.stderr.trim()],
    });
  }
  return 0;
}

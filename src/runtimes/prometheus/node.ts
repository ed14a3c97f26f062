/**
 * Prometheus: the server on the head, the node exporter on every node. The head keeps the
 * exporter targets in a file_sd file from the nodes' heartbeats, so workers that come and go
 * are scraped without a restart.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { env } from '../../config/env.js';
import { systemClock } from '../../core/clock.js';
import { ownCliArgv } from '../../core/process.js';
import { startService, stopService } from '../../node/services.js';
import { renderTemplate } from '../template.js';
import { optionsOf, templateFile, type RuntimeNodeContext } from '../node/context.js';
import { writeConf } from '../node/hadoop.js';

export const EXPORTER_PORT = 9100;

function dirs(ctx: RuntimeNodeContext): { conf: string; data: string; targets: string } {
  const root = path.join(ctx.home, 'prometheus');
  return {
    conf: path.join(root, 'conf'),
    data: path.join(root, 'data'),
    targets: path.join(root, 'conf', 'nodes.json'),
  };
}

function scrapeInterval(v: unknown): string {
  return typeof v === 'string' ? v : '10s';
}

export async function configure(ctx: RuntimeNodeContext): Promise<void> {
  if (!ctx.head) return;
  const d = dirs(ctx);
  const template = await fsp.readFile(templateFile('prometheus', 'prometheus.yml'), 'utf8');
  const text = renderTemplate(
    template,
    {
      scrape_interval: scrapeInterval(optionsOf(ctx, 'prometheus').scrape_interval),
      node_ip: ctx.nodeIp,
      targets_file: d.targets,
    },
    'prometheus.yml',
  );
  await writeConf(d.conf, 'prometheus.yml', text);
  await fsp.mkdir(d.data, { recursive: true });
  await writeTargets(d.targets, [ctx.nodeIp]);
}

/** The file_sd targets file: one exporter per node address. */
export async function writeTargets(file: string, ips: string[]): Promise<void> {
  const targets = [
    { targets: [...new Set(ips)].sort().map((ip) => `${ip}:${EXPORTER_PORT}`), labels: { job: 'node' } },
  ];
  await writeConf(path.dirname(file), path.basename(file), `${JSON.stringify(targets, null, 1)}\n`);
}

export async function start(ctx: RuntimeNodeContext): Promise<void> {
  await startService('node-exporter', ['prometheus-node-exporter', `--web.listen-address=:${EXPORTER_PORT}`]);
  if (!ctx.head) return;
  const d = dirs(ctx);
  await startService('prometheus', [
    'prometheus',
    `--config.file=${path.join(d.conf, 'prometheus.yml')}`,
    `--storage.tsdb.path=${d.data}`,
    '--web.listen-address=0.0.0.0:9090',
  ]);
  await startService('prometheus-targets', ownCliArgv('runtime', 'run', 'prometheus-targets'));
}

export async function stop(ctx: RuntimeNodeContext): Promise<void> {
  if (ctx.head) {
    await stopService('prometheus-targets');
    await stopService('prometheus');
  }
  await stopService('node-exporter');
}

/** The head's target keeper: every 5 s, the addresses of nodes with a fresh heartbeat (until `signal`). */
export async function keepTargets(ctx: RuntimeNodeContext, signal: AbortSignal): Promise<void> {
  const { RedisStateStore } = await import('../../core/state/redis-store.js');
  const { redisPassword } = await import('../../node/manage.js');
  const store = await RedisStateStore.connect({ host: '127.0.0.1', password: await redisPassword(), reconnect: true });
  const file = dirs(ctx).targets;
  let last = '';
  try {
    while (!signal.aborted) {
      const beats = await store.heartbeats().catch(() => []);
      const now = Date.now();
      const ips = beats.filter((b) => b.ip && now - b.time < env.heartbeatTimeoutMs()).map((b) => b.ip);
      const key = [...new Set([ctx.nodeIp, ...ips])].sort().join(',');
      if (key !== last) {
        await writeTargets(file, key.split(','));
        last = key;
      }
      await systemClock.sleep(5000, signal).catch(() => undefined);
    }
  } finally {
    await store.close();
  }
}

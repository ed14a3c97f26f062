/**
 * What a runtime sees on a node: who the node is, where the head is, the runtime settings the
 * node updater handed over (prepared from the cluster config on the user's machine and passed on
 * by the head's controller to every worker), and where the products live in the node image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env } from '../../config/env.js';
import { CloudtikError } from '../../core/errors.js';
import { packageRoot } from '../../version.js';

export interface RuntimeNodeContext {
  head: boolean;
  nodeIp: string;
  headIp: string;
  nodeId: string;
  /** The node's sequence number in its cluster (the head is 1; CLOUDTIK_NODE_SEQ_ID). */
  seqId?: number;
  /** `<workspace>/<cluster>`: names what belongs to this cluster only (Kafka's KRaft cluster id). */
  clusterName?: string;
  /** Workers the cluster keeps at least (its `min_workers`, summed over worker types). */
  minWorkers: number;
  /** The `runtime` section in effect on this node (types, and one entry per runtime). */
  runtime: Record<string, unknown> & { types: string[] };
  /** This node's data disks (`/mnt/cloudtik/data_disk_<n>`), empty when it has none. */
  dataDisks: string[];
  /** `~/runtime`: where runtimes keep data and logs. */
  home: string;
  layout: ImageLayout;
}

/** Spark's YARN shuffle service and the jars it needs, in the spark image (see docker/spark). */
export const SHUFFLE_DIR = '/opt/hadoop/share/hadoop/yarn/aux/spark-shuffle';

/** Where the node image installed the products (see docker/hadoop and docker/spark). */
export interface ImageLayout {
  hadoopConfDir: string;
  sparkConfDir: string;
  sparkHome: string;
}

export function imageLayout(): ImageLayout {
  return { hadoopConfDir: env.hadoopConfDir(), sparkConfDir: env.sparkConfDir(), sparkHome: env.sparkHome() };
}

/** Encode a runtime section for the `CLOUDTIK_RUNTIME_CONFIG` variable. */
export function encodeRuntimeConfig(runtime: unknown): string {
  return Buffer.from(JSON.stringify(runtime ?? { types: [] })).toString('base64');
}

export function runtimeNodeContext(head: boolean): RuntimeNodeContext {
  const id = env.nodeIdentity();
  const raw = env.runtimeConfig();
  if (!raw) {
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', 'CLOUDTIK_RUNTIME_CONFIG is not set on this node', {
      hint: 'runtime commands run through the node updater (cloudtik start, or the head for workers)',
    });
  }
  const runtime = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as RuntimeNodeContext['runtime'];
  const disks = fs.existsSync('/mnt/cloudtik')
    ? fs
        .readdirSync('/mnt/cloudtik')
        .filter((d) => d.startsWith('data_disk_'))
        .sort()
        .map((d) => path.join('/mnt/cloudtik', d))
    : [];
  return {
    head,
    nodeIp: id.nodeIp || '127.0.0.1',
    headIp: id.headIp || id.nodeIp || '127.0.0.1',
    nodeId: id.nodeId,
    seqId: id.seqId,
    clusterName: `${id.workspace}/${id.cluster}`,
    minWorkers: env.minWorkers(),
    runtime,
    dataDisks: disks,
    home: path.join(os.homedir(), 'runtime'),
    layout: imageLayout(),
  };
}

/** The runtime's own options (`runtime.<name>`). */
export function optionsOf(ctx: RuntimeNodeContext, name: string): Record<string, unknown> {
  const o = ctx.runtime[name];
  return o !== null && typeof o === 'object' ? (o as Record<string, unknown>) : {};
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** A runtime's config template file (`src/runtimes/<name>/conf/<file>`, copied to dist). */
export function templateFile(runtime: string, file: string): string {
  const beside = path.join(here, '..', runtime, 'conf', file);
  if (fs.existsSync(beside)) return beside;
  return path.join(packageRoot(), 'dist', 'runtimes', runtime, 'conf', file);
}

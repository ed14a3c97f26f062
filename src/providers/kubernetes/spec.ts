/**
 * The Kubernetes objects of a cluster, as plain data (no API calls here): node pods, their data
 * disks, the head Service and the headless Service that gives pods DNS names; labels and the
 * tag <-> label mapping. Everything carries {@link MANAGED_LABEL} and the workspace label.
 */
import { isPlainObject, type PlainObject } from '../../config/merge.js';
import { parseMemory } from '../../core/units.js';
import { STATE_PORT } from '../../core/state/store.js';
import { bootCommand } from '../../core/updater/resume.js';
import { creationLabels, TAG, type NodeKind } from '../provider.js';

/** The label on everything cloudtik makes; only objects with it are ever deleted. */
export const MANAGED_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_VALUE = 'cloudtik';
/** CloudTik's label of a node's unique id. */
export const UUID_LABEL = 'cloudtik-node-uuid';
/** Labels with the CPUs and memory (bytes) a node's container was given. */
/** Annotation prefix of tags whose values cannot be label values. */
export const TAG_ANNOTATION = 'tags.cloudtik.io/';
/** The node container's name (CloudTik's). */
export const CONTAINER = 'cloudtik-node';
/** The init the node images carry (their entrypoint). */
export const NODE_INIT = '/usr/bin/tini';
/** Where a node sees its i-th data disk (as virtual nodes do). */
export const DATA_DISK_MOUNT = '/mnt/cloudtik/data_disk_';

export const HEAD_SERVICE_ACCOUNT = 'cloudtik-head-service-account';
export const WORKER_SERVICE_ACCOUNT = 'cloudtik-worker-service-account';
export const HEAD_ROLE = 'cloudtik-head-role';
export const HEAD_ROLE_BINDING = 'cloudtik-role-binding';

/** Name of the cluster's head Service (the state store's port). */
export function headServiceName(cluster: string): string {
  return `cloudtik-${cluster}-head`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Whether `value` can be a label value (63 characters at most, alphanumerics at both ends). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Tags as labels where they can be, the rest as annotations; `null` removes (for a merge patch). */
export function tagsToMetadata(tags: Record<string, string>): {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
} {
  const labels: Record<string, string | null> = {};
  const annotations: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (isLabelValue(v)) {
      labels[k] = v;
      annotations[TAG_ANNOTATION + k] = null;
    } else {
      annotations[TAG_ANNOTATION + k] = v;
      labels[k] = null;
    }
  }
  return { labels, annotations };
}

/** A pod's tags: its labels, with the tags kept in annotations on top. */
export function metadataToTags(
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): Record<string, string> {
  const tags = { ...labels };
  for (const [k, v] of Object.entries(annotations))
    if (k.startsWith(TAG_ANNOTATION)) tags[k.slice(TAG_ANNOTATION.length)] = v;
  return tags;
}

/** Label selector of a cluster's objects (and optionally of one kind or type of node). */
export function clusterSelector(
  workspace: string,
  cluster: string,
  filter: { kind?: NodeKind; nodeType?: string } = {},
): string {
  const parts = [`${MANAGED_LABEL}=${MANAGED_VALUE}`, `${TAG.workspace}=${workspace}`, `${TAG.cluster}=${cluster}`];
  if (filter.kind) parts.push(`${TAG.nodeKind}=${filter.kind}`);
  if (filter.nodeType) parts.push(`${TAG.nodeType}=${filter.nodeType}`);
  return parts.join(',');
}

/** CPUs of a Kubernetes quantity (`2`, `1.5`, `500m`). */
export function parseCpu(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return n > 0 ? n : undefined;
}

/** `node_config.resources` as CPUs and bytes (undefined where not given). */
export function nodeResources(nodeConfig: PlainObject): { cpus?: number; memoryBytes?: number } {
  const r = isPlainObject(nodeConfig.resources) ? nodeConfig.resources : {};
  const memory = typeof r.memory === 'string' || typeof r.memory === 'number' ? parseMemory(r.memory) : undefined;
  return { cpus: parseCpu(r.cpu), memoryBytes: memory };
}

/** One `dataDisks` entry: a claim of `diskSize` GiB of `storageClass` (the cluster's default when unset). */
export interface DataDisk {
  diskSize: number;
  storageClass?: string;
}

export function dataDisks(nodeConfig: PlainObject): DataDisk[] {
  const raw = Array.isArray(nodeConfig.dataDisks) ? nodeConfig.dataDisks : [];
  return raw.filter(isPlainObject).map((d) => ({
    diskSize: typeof d.diskSize === 'number' && d.diskSize > 0 ? d.diskSize : 100,
    storageClass: typeof d.storageClass === 'string' ? d.storageClass : undefined,
  }));
}

/**
 * Merge `override` into `base`: mappings key by key, `containers` (and other lists of named
 * entries) entry by entry matched on `name` (the first entry without a name matches the first of
 * `base`), other lists and values replaced.
 */
export function mergeSpec(base: unknown, override: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: PlainObject = { ...base };
    for (const [k, v] of Object.entries(override)) out[k] = k in base ? mergeSpec(base[k], v) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(override) && base.every(isPlainObject) && override.every(isPlainObject)) {
    if (!base.some((b) => typeof b.name === 'string')) return override;
    const out = [...base] as PlainObject[];
    override.forEach((o, i) => {
      const at = typeof o.name === 'string' ? out.findIndex((b) => b.name === o.name) : i === 0 ? 0 : -1;
      if (at >= 0) out[at] = mergeSpec(out[at], o) as PlainObject;
      else out.push(o);
    });
    return out;
  }
  return override;
}

export interface PodInput {
  workspace: string;
  cluster: string;
  kind: NodeKind;
  nodeType: string;
  seqId: number;
  uuid: string;
  image: string;
  launchHash: string;
  nodeConfig: PlainObject;
  /** Data disks kept after the pod (`provider.permanent_data_volumes`): claims made beforehand, by name. */
  permanentClaims?: string[];
}

/** The labels every node pod gets (CloudTik's tags and ours). */
export function podLabels(p: PodInput, limits: { cpus: number; memoryBytes: number }): Record<string, string> {
  return { [MANAGED_LABEL]: MANAGED_VALUE, ...creationLabels({ ...p, limits }), [UUID_LABEL]: p.uuid };
}

function quantities(r: { cpus?: number; memoryBytes?: number }): Record<string, string> {
  const q: Record<string, string> = {};
  if (r.cpus !== undefined) q.cpu = String(r.cpus);
  if (r.memoryBytes !== undefined) q.memory = String(r.memoryBytes);
  return q;
}

/** The data-disk volumes of a pod: claims made with the pod (and deleted with it), or kept ones by name. */
function diskVolumes(p: PodInput, labels: Record<string, string>): PlainObject[] {
  return dataDisks(p.nodeConfig).map((d, i) => {
    const name = `data-disk-${i + 1}`;
    const kept = p.permanentClaims?.[i];
    if (kept) return { name, persistentVolumeClaim: { claimName: kept } };
    const claimLabels = {
      [MANAGED_LABEL]: MANAGED_VALUE,
      [TAG.workspace]: labels[TAG.workspace],
      [TAG.cluster]: labels[TAG.cluster],
    };
    const spec: PlainObject = {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: `${d.diskSize}Gi` } },
    };
    if (d.storageClass) spec.storageClassName = d.storageClass;
    return { name, ephemeral: { volumeClaimTemplate: { metadata: { labels: claimLabels }, spec } } };
  });
}

/** A claim kept after its pod (`permanent_data_volumes`), made before the pod. */
export function permanentClaim(p: PodInput, index: number, name: string): PlainObject {
  const d = dataDisks(p.nodeConfig)[index] ?? { diskSize: 100 };
  const spec: PlainObject = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${d.diskSize}Gi` } } };
  if (d.storageClass) spec.storageClassName = d.storageClass;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name,
      labels: { [MANAGED_LABEL]: MANAGED_VALUE, [TAG.workspace]: p.workspace, [TAG.cluster]: p.cluster },
    },
    spec,
  };
}

/**
 * A node's pod: `generateName: cloudtik-<cluster>-<kind>-`, the tags as labels, one container
 * `cloudtik-node` running the boot script, `resources` as requests and limits, data disks as claims,
 * `node_config.pod` merged in (the cloudtik labels, the container's image and the account stay ours).
 */
export function podManifest(p: PodInput, limits: { cpus: number; memoryBytes: number }): PlainObject {
  const labels = podLabels(p, limits);
  const given = nodeResources(p.nodeConfig);
  const volumes = diskVolumes(p, labels);
  const container: PlainObject = {
    name: CONTAINER,
    image: p.image,
    imagePullPolicy: 'IfNotPresent',
    // tini as PID 1 (the node images' entrypoint, which `command` replaces) reaps the orphans of
    // stopped services: without it their zombies keep a stopped service's process group alive.
    command: [NODE_INIT, '-s', '-g', '--', ...bootCommand()],
    env: [
      { name: 'LC_ALL', value: 'C.UTF-8' },
      { name: 'LANG', value: 'C.UTF-8' },
    ],
    resources: { requests: quantities(given), limits: quantities(given) },
    volumeMounts: volumes.map((v, i) => ({ name: v.name, mountPath: `${DATA_DISK_MOUNT}${i + 1}` })),
  };
  if (p.kind === 'head') container.ports = [{ containerPort: STATE_PORT, name: 'cloudtik-redis' }];
  const base: PlainObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `cloudtik-${p.cluster}-${p.kind}-`, labels },
    spec: {
      hostname: `${p.kind}-${p.seqId}`,
      subdomain: p.cluster,
      restartPolicy: 'Never',
      serviceAccountName: p.kind === 'head' ? HEAD_SERVICE_ACCOUNT : WORKER_SERVICE_ACCOUNT,
      // The head's token comes with its start instead (see head-token.ts): a mounted one holds the pod back.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      containers: [container],
      volumes,
    },
  };
  const user = isPlainObject(p.nodeConfig.pod) ? p.nodeConfig.pod : {};
  const merged = mergeSpec(base, user) as PlainObject;
  // What makes the pod a node of this cluster is not the user's to change.
  const meta = merged.metadata as PlainObject;
  meta.labels = { ...(isPlainObject(meta.labels) ? meta.labels : {}), ...labels };
  delete meta.name;
  meta.generateName = `cloudtik-${p.cluster}-${p.kind}-`;
  const spec = merged.spec as PlainObject;
  spec.serviceAccountName = (base.spec as PlainObject).serviceAccountName;
  const first = (spec.containers as PlainObject[])[0]!;
  first.image = p.image;
  return merged;
}

/** The head Service (the state store's port) and the headless Service named after the cluster. */
export function clusterServices(workspace: string, cluster: string): PlainObject[] {
  const labels = { [MANAGED_LABEL]: MANAGED_VALUE, [TAG.workspace]: workspace, [TAG.cluster]: cluster };
  const nodes = { [MANAGED_LABEL]: MANAGED_VALUE, [TAG.workspace]: workspace, [TAG.cluster]: cluster };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: headServiceName(cluster), labels },
      spec: {
        selector: { ...nodes, [TAG.nodeKind]: 'head' },
        ports: [{ name: 'cloudtik-redis-service-port', protocol: 'TCP', port: STATE_PORT, targetPort: STATE_PORT }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: cluster, labels },
      spec: { clusterIP: 'None', selector: nodes, publishNotReadyAddresses: true },
    },
  ];
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadClusterConfig, loadWorkspaceConfig } from '../../config/load.js';
import { TAG } from '../provider.js';
import { KUBERNETES_HINTS } from './hints.js';
import { pendingProblem } from './pods.js';
import { exitCodeOf } from './runner.js';
import {
  TAG_ANNOTATION,
  clusterServices,
  isLabelValue,
  mergeSpec,
  metadataToTags,
  parseCpu,
  podManifest,
  tagsToMetadata,
  type PodInput,
} from './spec.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test/fixtures/cloudtik/kubernetes',
);

const input = (over: Partial<PodInput> = {}): PodInput => ({
  workspace: 'ws',
  cluster: 'c1',
  kind: 'worker',
  nodeType: 'worker.default',
  seqId: 3,
  uuid: 'u-1',
  image: 'cloudtik/cloudtik:1.0',
  launchHash: 'abc123',
  nodeConfig: {},
  ...over,
});
const LIMITS = { cpus: 2, memoryBytes: 2 ** 30 };

interface PodShape {
  metadata: { name?: string; generateName: string; labels: Record<string, string> };
  spec: {
    hostname: string;
    serviceAccountName: string;
    nodeSelector?: Record<string, string>;
    containers: {
      name: string;
      image: string;
      command: string[];
      env: unknown;
      ports: unknown;
      resources: unknown;
      volumeMounts: { mountPath: string }[];
    }[];
    volumes: {
      name: string;
      ephemeral: { volumeClaimTemplate: { spec: { storageClassName?: string } } };
      persistentVolumeClaim?: unknown;
    }[];
  };
}
interface ServiceShape {
  metadata: { name: string };
  spec: { clusterIP?: string; selector: Record<string, string>; ports: { port: number }[] };
}
const asPod = (o: unknown): PodShape => o as PodShape;

describe('tags as labels', () => {
  it.each([
    ['up-to-date', true],
    ['worker.default', true],
    ['', true],
    ['-lead', false],
    ['has space', false],
    ['x'.repeat(64), false],
  ])('%s is a label value: %s', (v, ok) => expect(isLabelValue(v)).toBe(ok));

  it('keeps values labels cannot hold in annotations, and reads both back', () => {
    const meta = tagsToMetadata({ a: 'ok', b: 'not ok!' });
    expect(meta.labels).toEqual({ a: 'ok', b: null });
    expect(meta.annotations).toEqual({ [`${TAG_ANNOTATION}a`]: null, [`${TAG_ANNOTATION}b`]: 'not ok!' });
    expect(metadataToTags({ a: 'ok' }, { [`${TAG_ANNOTATION}b`]: 'not ok!', other: 'x' })).toEqual({
      a: 'ok',
      b: 'not ok!',
    });
  });
});

describe('pod manifest', () => {
  it('names, labels and sizes a node pod', () => {
    const pod = asPod(podManifest(input({ nodeConfig: { resources: { cpu: '500m', memory: '1Gi' } } }), LIMITS));
    expect(pod.metadata.generateName).toBe('cloudtik-c1-worker-');
    expect(pod.metadata.labels).toMatchObject({
      [TAG.workspace]: 'ws',
      [TAG.cluster]: 'c1',
      [TAG.nodeKind]: 'worker',
      [TAG.seqId]: '3',
      'cloudtik-node-uuid': 'u-1',
      'app.kubernetes.io/managed-by': 'cloudtik',
    });
    expect(pod.spec).toMatchObject({ hostname: 'worker-3', subdomain: 'c1', restartPolicy: 'Never' });
    expect(pod.spec.serviceAccountName).toBe('cloudtik-worker-service-account');
    const c = pod.spec.containers[0]!;
    expect(c.name).toBe('cloudtik-node');
    expect(c.command.slice(0, 4)).toEqual(['/usr/bin/tini', '-s', '-g', '--']);
    expect(c.resources).toEqual({
      requests: { cpu: '0.5', memory: String(2 ** 30) },
      limits: { cpu: '0.5', memory: String(2 ** 30) },
    });
  });

  it('merges node_config.pod in, but keeps what makes it a node of the cluster', () => {
    const pod = asPod(
      podManifest(
        input({
          kind: 'head',
          nodeConfig: {
            pod: {
              metadata: { name: 'x', labels: { team: 'a', [TAG.cluster]: 'other' } },
              spec: {
                nodeSelector: { disk: 'ssd' },
                serviceAccountName: 'admin',
                containers: [
                  { image: 'evil', env: [{ name: 'A', value: '1' }] },
                  { name: 'side', image: 'busybox' },
                ],
              },
            },
          },
        }),
        LIMITS,
      ),
    );
    expect(pod.metadata.name).toBeUndefined();
    expect(pod.metadata.labels).toMatchObject({ team: 'a', [TAG.cluster]: 'c1' });
    expect(pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(pod.spec.serviceAccountName).toBe('cloudtik-head-service-account');
    expect(pod.spec.containers.map((c) => [c.name, c.image])).toEqual([
      ['cloudtik-node', 'cloudtik/cloudtik:1.0'],
      ['side', 'busybox'],
    ]);
    expect(pod.spec.containers[0]!.env).toEqual([
      { name: 'LC_ALL', value: 'C.UTF-8' },
      { name: 'LANG', value: 'C.UTF-8' },
      { name: 'A', value: '1' },
    ]);
    expect(pod.spec.containers[0]!.ports).toEqual([{ containerPort: 6789, name: 'cloudtik-redis' }]);
  });

  it('mounts no service account token, on the head either (start installs its own; a mount holds the pod back)', () => {
    for (const kind of ['head', 'worker'] as const) {
      const pod = podManifest(input({ kind }), LIMITS) as {
        spec: { automountServiceAccountToken?: boolean; volumes: unknown[] };
      };
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      expect(pod.spec.volumes).toEqual([]);
    }
  });

  it('makes data disks claims deleted with the pod, or mounts kept ones by name', () => {
    const nodeConfig = { dataDisks: [{ diskSize: 5, storageClass: 'fast' }, { diskSize: 1 }] };
    const pod = asPod(podManifest(input({ nodeConfig }), LIMITS));
    const [a, b] = pod.spec.volumes as [PodShape['spec']['volumes'][0], PodShape['spec']['volumes'][0]];
    expect(a.ephemeral.volumeClaimTemplate.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '5Gi' } },
      storageClassName: 'fast',
    });
    expect(b.ephemeral.volumeClaimTemplate.spec.storageClassName).toBeUndefined();
    expect(pod.spec.containers[0]!.volumeMounts.map((m) => m.mountPath)).toEqual([
      '/mnt/cloudtik/data_disk_1',
      '/mnt/cloudtik/data_disk_2',
    ]);
    const kept = asPod(podManifest(input({ nodeConfig, permanentClaims: ['k1', 'k2'] }), LIMITS));
    expect(kept.spec.volumes[1]).toEqual({ name: 'data-disk-2', persistentVolumeClaim: { claimName: 'k2' } });
  });

  it('gives the cluster a head Service on the state port and a headless Service named after it', () => {
    const [head, nodes] = clusterServices('ws', 'c1') as unknown as ServiceShape[];
    expect(head!.metadata.name).toBe('cloudtik-c1-head');
    expect(head!.spec.ports[0]!.port).toBe(6789);
    expect(head!.spec.selector[TAG.nodeKind]).toBe('head');
    expect(nodes!.metadata.name).toBe('c1');
    expect(nodes!.spec.clusterIP).toBe('None');
  });

  it('merges lists of unnamed entries by replacing them', () => {
    expect(mergeSpec({ args: ['a'] }, { args: ['b', 'c'] })).toEqual({ args: ['b', 'c'] });
  });

  it.each([
    [2, 2],
    ['1.5', 1.5],
    ['250m', 0.25],
    ['x', undefined],
    [0, undefined],
  ])('cpu %s is %s', (v, n) => expect(parseCpu(v)).toBe(n));
});

describe('pod status', () => {
  it('reports the scheduler reason, fatal only after the grace', () => {
    const pod = {
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu.',
          },
        ],
      },
    };
    expect(pendingProblem(pod, false)).toEqual({
      message: 'Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
      fatal: false,
    });
    expect(pendingProblem(pod, true)?.fatal).toBe(true);
  });

  it('fails at once on an image that cannot be had, and says nothing of a pod that is coming up', () => {
    const waiting = (reason: string) => ({
      status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason } } }] },
    });
    expect(pendingProblem(waiting('ErrImageNeverPull'), false)?.fatal).toBe(true);
    expect(pendingProblem(waiting('ContainerCreating'), false)).toBeUndefined();
  });

  it('reads the exit code of an exec', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(exitCodeOf({ status: 'Failure', details: { causes: [{ reason: 'ExitCode', message: '7' }] } })).toBe(7);
    expect(exitCodeOf(undefined)).toBe(-1);
  });
});

describe("CloudTik's kubernetes examples load unchanged", () => {
  beforeEach(() => vi.stubEnv('CLOUDTIK_USER_TEMPLATES', ''));
  afterEach(() => vi.unstubAllEnvs());

  it('example-cluster.yaml (from: kubernetes/small)', async () => {
    const { config } = await loadClusterConfig(path.join(FIXTURES, 'example-cluster.yaml'));
    expect(config.provider.type).toBe('kubernetes');
    expect(config.workspace_name).toBe('example-workspace');
    expect(config.auth.ssh_user).toBe('ubuntu');
    const worker = config.available_node_types['worker.default']!;
    expect(worker.min_workers).toBe(3);
    expect(worker.node_config.resources).toEqual({ cpu: 3, memory: '13Gi' });
    expect(worker.resources).toMatchObject({ CPU: 3, memory: 13 * 2 ** 30 });
  });

  it('start warns of each accepted key this provider does not apply, and of none in the example', async () => {
    const { config } = await loadClusterConfig(path.join(FIXTURES, 'example-cluster.yaml'));
    expect(KUBERNETES_HINTS.configWarnings(config)).toEqual([]);
    const provider = config.provider as Record<string, unknown>;
    provider.namespace = 'other';
    provider.head_external_service = true;
    config.available_node_types['worker.default']!.node_config.ingress = { host: 'x' };
    expect(KUBERNETES_HINTS.configWarnings(config)).toEqual([
      "provider.namespace (other) is not applied: a workspace's namespace is named after it (example-workspace)",
      'provider.head_external_service is not applied by this kubernetes provider yet',
      'available_node_types.worker.default.node_config.ingress is not applied by this kubernetes provider yet',
    ]);
  });

  it('example-workspace.yaml', async () => {
    const { config } = await loadWorkspaceConfig(path.join(FIXTURES, 'example-workspace.yaml'));
    expect(config.workspace_name).toBe('example-workspace');
    expect(config.provider.type).toBe('kubernetes');
  });
});

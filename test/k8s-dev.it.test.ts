/**
 * The development Kubernetes of dev/k8s.sh, for real: a one-node cluster built from source, a pod
 * of a locally built node image (loaded from the Docker engine, never pulled), `kubectl exec`, a
 * ClusterIP Service routed by kube-proxy from another pod, cluster DNS names, and a `down` that
 * leaves no process, link, mount or iptables chain behind.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../src/core/process.js';
import { DEFAULT_NODE_IMAGE, imageRef } from '../src/providers/virtual/images.js';
import { eventually } from './helpers.js';
import { K8S_SCRIPT, k8sScript, startDevKubernetes, type DevKubernetes } from './k8s.js';

const IMAGE = imageRef(DEFAULT_NODE_IMAGE);
const NS = 'ctest-k8s';
/** The pod bridge dev/k8s.sh makes. */
const BRIDGE = 'cloudtik-k8s0';
const SERVER = "require('http').createServer((q, s) => s.end('hello from ' + require('os').hostname())).listen(8080)";

const MANIFEST = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: ${NS}, labels: {app: web}}
spec:
  hostname: web
  subdomain: nodes
  containers:
    - {name: node, image: "${IMAGE}", imagePullPolicy: Never, command: [node, -e, "${SERVER}"]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ${NS}}
spec:
  containers:
    - {name: node, image: "${IMAGE}", imagePullPolicy: Never, command: [sleep, infinity]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: nodes, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 8080}]
`;

/** A claim of the default StorageClass and a pod that writes into it. */
const DISK_MANIFEST = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: ${NS}}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: disk, namespace: ${NS}}
spec:
  containers:
    - name: node
      image: "${IMAGE}"
      imagePullPolicy: Never
      command: [sh, -c, "echo by the pod > /data/written && exec sleep infinity"]
      volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`;
/** Where the controller manager's host-path provisioner makes the claims' folders. */
const HOSTPATH_PV = '/tmp/hostpath_pv';

let k8s: DevKubernetes;
let downDone = false;

const inClient = (cmd: string): Promise<string> =>
  k8s.kubectlOk(['-n', NS, 'exec', 'client', '--', 'sh', '-c', cmd]).then((s) => s.trim());
const podField = (pod: string, jsonpath: string): Promise<string> =>
  k8s.kubectlOk(['-n', NS, 'get', 'pod', pod, '-o', `jsonpath=${jsonpath}`]);

/** Chain names (`:NAME`) in iptables-save dumps that start with KUBE-, CNI- or CLOUDTIK-K8S-. */
async function clusterChains(): Promise<string[]> {
  const chains: string[] = [];
  for (const tool of ['iptables-save', 'ip6tables-save']) {
    const r = await runTool(tool, []);
    expect(r.code, `${tool}: ${r.stderr}`).toBe(0);
    chains.push(...[...r.stdout.matchAll(/^:((?:KUBE|CNI|CLOUDTIK-K8S)-\S+)/gm)].map((m) => `${tool}: ${m[1]}`));
  }
  return chains;
}

/** Whether a process runs (a zombie has ended: it only waits for init to reap it). */
async function running(pid: string): Promise<boolean> {
  const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** PIDs of running processes whose /proc/<pid>/`file` contains `text`. */
async function processesWith(file: 'cgroup' | 'cmdline', text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await fsp.readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const content = await fsp.readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '');
    if (content.includes(text) && (await running(pid))) found.push(pid);
  }
  return found;
}

/** Pods' processes (in the kubelet's cgroups) and containerd's shims (started with its socket). */
const podProcesses = (): Promise<string[]> => processesWith('cgroup', '/kubepods');
const shims = (): Promise<string[]> => processesWith('cmdline', '/run/cloudtik-k8s/');
/** Mount points under the cluster's folders. */
const clusterMounts = async (): Promise<string[]> =>
  (await fsp.readFile('/proc/mounts', 'utf8')).split('\n').filter((m) => /cloudtik-k8s|\/k8s-1\.37\.2\//.test(m));

describe('the development Kubernetes (dev/k8s.sh)', () => {
  // A cold build cache makes `up` build Kubernetes first: tens of minutes on a small machine.
  beforeAll(async () => {
    k8s = await startDevKubernetes([IMAGE]);
  }, 45 * 60_000);

  afterAll(async () => {
    if (k8s && !downDone) await k8s.down();
  });

  it('has one Ready node running the built Kubernetes version', async () => {
    const nodes = JSON.parse(await k8s.kubectlOk(['get', 'nodes', '-o', 'json'])) as {
      items: { status: { conditions: { type: string; status: string }[]; nodeInfo: { kubeletVersion: string } } }[];
    };
    expect(nodes.items).toHaveLength(1);
    const node = nodes.items[0]?.status;
    expect(node?.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node?.nodeInfo.kubeletVersion).toBe('v1.37.2');
    expect(await k8s.kubectlOk(['version', '-o', 'json'])).toContain('"gitVersion": "v1.37.2"');
  });

  it('runs pods of a locally built node image without pulling it, and kubectl exec reaches them', async () => {
    await k8s.kubectlOk(['create', 'namespace', NS]);
    // Pods are admitted only once the namespace's default service account exists.
    await eventually('the default service account', 60_000, async () =>
      (await k8s.kubectl(['-n', NS, 'get', 'serviceaccount', 'default'])).code === 0 ? true : undefined,
    );
    await k8s.kubectlOk(['apply', '-f', '-'], MANIFEST);
    for (const pod of ['web', 'client'])
      await eventually(`pod ${pod} Running`, 120_000, async () =>
        (await podField(pod, '{.status.phase}')) === 'Running' ? true : undefined,
      );
    expect(await podField('web', '{.spec.containers[0].imagePullPolicy}')).toBe('Never');
    expect(await podField('web', '{.status.containerStatuses[0].image}')).toBe(`docker.io/${IMAGE}`);
    expect(await inClient('echo $((6 * 7)) $(hostname)')).toBe('42 client');
  });

  it('routes a ClusterIP Service to its pod, from another pod', async () => {
    const ip = await k8s.kubectlOk(['-n', NS, 'get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
    const answer = await eventually('the web Service to answer', 60_000, async () =>
      inClient(`curl -sS --max-time 5 http://${ip}/`),
    );
    expect(answer).toBe('hello from web');
  });

  it('resolves Service names and headless-service pod names by cluster DNS', async () => {
    const ip = await k8s.kubectlOk(['-n', NS, 'get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    const podIp = await podField('web', '{.status.podIP}');
    const lookup = (name: string): Promise<string> =>
      eventually(`${name} to resolve`, 60_000, async () => (await inClient(`getent hosts ${name}`)).split(/\s+/)[0]);
    expect(await lookup(`web.${NS}.svc.cluster.local`)).toBe(ip);
    expect(await lookup(`web.nodes.${NS}.svc.cluster.local`)).toBe(podIp);
    expect(await inClient(`curl -sS --max-time 5 http://web.${NS}.svc.cluster.local/`)).toBe('hello from web');
  });

  it('lets pods reach the API server at the kubernetes Service, as their service account', async () => {
    const api = (path: string): Promise<unknown> =>
      inClient(
        'd=/var/run/secrets/kubernetes.io/serviceaccount; ' +
          `curl -sS --max-time 5 --cacert $d/ca.crt -H "Authorization: Bearer $(cat $d/token)" https://kubernetes.default.svc${path}`,
      ).then((out) => JSON.parse(out) as unknown);
    expect(await api('/version')).toMatchObject({ gitVersion: 'v1.37.2' });
    expect(await api('/api/v1/namespaces/kube-system/secrets')).toMatchObject({
      reason: 'Forbidden',
      message: expect.stringContaining(
        `"system:serviceaccount:${NS}:default" cannot list resource "secrets"`,
      ) as string,
    });
  });

  it('binds a claim of the default StorageClass to a folder on this host', async () => {
    await k8s.kubectlOk(['apply', '-f', '-'], DISK_MANIFEST);
    await eventually('pod disk Running', 120_000, async () =>
      (await podField('disk', '{.status.phase}')) === 'Running' ? true : undefined,
    );
    const claim = await k8s.kubectlOk([
      '-n',
      NS,
      'get',
      'pvc',
      'data',
      '-o',
      'jsonpath={.spec.storageClassName} {.status.phase}',
    ]);
    expect(claim).toBe('standard Bound');
    const volume = await k8s.kubectlOk(['-n', NS, 'get', 'pvc', 'data', '-o', 'jsonpath={.spec.volumeName}']);
    const folder = await k8s.kubectlOk(['get', 'pv', volume, '-o', 'jsonpath={.spec.hostPath.path}']);
    expect(folder).toMatch(/^\/tmp\/hostpath_pv\//);
    expect(await fsp.readFile(`${folder}/written`, 'utf8')).toBe('by the pod\n');
  });

  it('down leaves no process, bridge, mount or KUBE-/CNI-/CLOUDTIK-K8S- iptables chain behind', async () => {
    const status = (await k8sScript(['status'])).stdout;
    const pids = [...status.matchAll(/running \(pid (\d+)\)/g)].map(([, pid]) => pid).filter((p) => p !== undefined);
    expect(pids).toHaveLength(8);
    expect((await runTool('ip', ['link', 'show', BRIDGE])).code).toBe(0);
    expect(await clusterChains()).toEqual(
      expect.arrayContaining(['iptables-save: KUBE-SERVICES', 'iptables-save: CLOUDTIK-K8S-API']),
    );
    expect(await podProcesses()).not.toEqual([]);
    expect(await shims()).not.toEqual([]);
    expect(await clusterMounts()).not.toEqual([]);
    expect(await fsp.readdir(HOSTPATH_PV)).not.toEqual([]);

    await k8s.down();
    downDone = true;

    const alive = await Promise.all(pids.map(async (pid) => ((await running(pid)) ? pid : undefined)));
    expect(alive.filter((p) => p !== undefined)).toEqual([]);
    expect(await podProcesses()).toEqual([]);
    expect(await shims()).toEqual([]);
    expect((await runTool('ip', ['link', 'show', BRIDGE])).code).not.toBe(0);
    expect(await clusterChains()).toEqual([]);
    expect(await clusterMounts()).toEqual([]);
    await expect(fsp.stat(HOSTPATH_PV)).rejects.toThrow(/ENOENT/);
    const after = await runTool(K8S_SCRIPT, ['status']);
    expect(after.code).toBe(1);
    expect(after.stdout).not.toContain('running');
  });
});

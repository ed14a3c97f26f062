/**
 * The kubernetes provider against the real development Kubernetes (dev/k8s.sh): a workspace as a
 * namespace with its accounts and Role; a bare cluster of 1 head + 2 workers whose workers the
 * head's controller launches from inside the cluster; exec, upload, download and attach through
 * the API; a deleted worker pod replaced; scale up and back; a request the head's Role forbids
 * refused; the head's own token, bound to its pod and renewed; an unschedulable pod reported with the scheduler's reason; stop and workspace delete
 * leaving nothing of the cluster.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApi } from '../src/providers/kubernetes/api.js';
import { KubeExecRunner } from '../src/providers/kubernetes/runner.js';
import { DEFAULT_NODE_IMAGE, imageRef } from '../src/providers/virtual/images.js';
import {
  CLI,
  cli,
  cliOk,
  eventually,
  runProgram,
  tempDir,
  testWorkspace,
  writeFile,
  type CliResult,
} from './helpers.js';
import { startDevKubernetes, tearDownK8sTest, type DevKubernetes } from './k8s.js';

const IMAGE = imageRef(DEFAULT_NODE_IMAGE);
const CLUSTER = 'bare';
/** The head's token and CA for the API, as start installs them (the node user's). */
const HEAD_TOKEN = '/cloudtik/state/kube-token';
const HEAD_CA = '/cloudtik/state/kube-ca.crt';

let k8s: DevKubernetes;
let dir: string;
let ws: string;
let wsFile: string;
let clusterFile: string;

function k(args: string[], input?: string): Promise<CliResult> {
  return cli(args, { env: { KUBECONFIG: k8s.kubeconfig }, input, timeoutMs: 400_000 });
}

function kOk(args: string[], input?: string): Promise<CliResult> {
  return cliOk(args, { env: { KUBECONFIG: k8s.kubeconfig }, input, timeoutMs: 400_000 });
}

/** Names of the namespace's objects of `kind` with the cluster's label. */
async function objects(kind: string, cluster = CLUSTER): Promise<string[]> {
  const out = await k8s.kubectlOk(['-n', ws, 'get', kind, '-l', `cloudtik-cluster-name=${cluster}`, '-o', 'name']);
  return out.split('\n').filter((l) => l !== '');
}

async function runningWorkers(): Promise<string[]> {
  const out = await k8s.kubectlOk([
    '-n',
    ws,
    'get',
    'pods',
    '-l',
    `cloudtik-cluster-name=${CLUSTER},cloudtik-node-kind=worker,cloudtik-node-status=up-to-date`,
    '--field-selector',
    'status.phase=Running',
    '-o',
    'name',
  ]);
  return out.split('\n').filter((l) => l !== '');
}

beforeAll(async () => {
  k8s = await startDevKubernetes([IMAGE]);
  dir = await tempDir('k8s');
  ws = testWorkspace('k8s');
  wsFile = await writeFile(dir, 'workspace.yaml', `workspace_name: ${ws}\nprovider:\n  type: kubernetes\n`);
  clusterFile = await writeFile(
    dir,
    'cluster.yaml',
    [
      `cluster_name: ${CLUSTER}`,
      `workspace_name: ${ws}`,
      'provider: {type: kubernetes}',
      'options: {idle_timeout_minutes: 0.2}',
      'available_node_types:',
      '  head.default:',
      '    node_config: {resources: {cpu: 100m, memory: 384Mi}}',
      '  worker.default:',
      '    min_workers: 2',
      '    node_config: {resources: {cpu: 100m, memory: 384Mi}}',
      'runtime: {types: []}',
      '',
    ].join('\n'),
  );
}, 600_000);

afterAll(() => tearDownK8sTest(k8s, { clusterFile, wsFile, dir }), 900_000);

describe('kubernetes provider', () => {
  it('creates a workspace: namespace, accounts, a namespaced Role and its binding', async () => {
    const created = await kOk(['workspace', 'create', wsFile, '--yes']);
    expect(created.stdout).toContain(`Created workspace ${ws} (network namespace/${ws}).`);
    const sa = await k8s.kubectlOk(['-n', ws, 'get', 'serviceaccounts', '-o', 'name']);
    expect(sa).toContain('serviceaccount/cloudtik-head-service-account');
    expect(sa).toContain('serviceaccount/cloudtik-worker-service-account');
    const nsLabels = JSON.parse(
      await k8s.kubectlOk(['get', 'namespace', ws, '-o', 'jsonpath={.metadata.labels}']),
    ) as Record<string, string>;
    expect(nsLabels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    const role = JSON.parse(await k8s.kubectlOk(['-n', ws, 'get', 'role', 'cloudtik-head-role', '-o', 'json'])) as {
      rules: { resources: string[] }[];
    };
    const resources = [
      'configmaps',
      'persistentvolumeclaims',
      'pods',
      'pods/exec',
      'pods/status',
      'serviceaccounts/token',
      'services',
    ];
    expect(role.rules.flatMap((r) => r.resources).sort()).toEqual(resources);
    // A workspace made by an earlier version (its Role without the token rule) gets this version's rules.
    await k8s.kubectlOk([
      '-n',
      ws,
      'patch',
      'role',
      'cloudtik-head-role',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/rules/1"}]',
    ]);
    await kOk(['workspace', 'create', wsFile, '--yes']);
    const again = JSON.parse(await k8s.kubectlOk(['-n', ws, 'get', 'role', 'cloudtik-head-role', '-o', 'json'])) as {
      rules: { resources: string[]; resourceNames?: string[] }[];
    };
    expect(again.rules.flatMap((r) => r.resources).sort()).toEqual(resources);
    expect(again.rules.find((r) => r.resources.includes('serviceaccounts/token'))?.resourceNames).toEqual([
      'cloudtik-head-service-account',
    ]);
    expect(await k8s.kubectlOk(['-n', ws, 'get', 'rolebinding', 'cloudtik-role-binding', '-o', 'name'])).toContain(
      'cloudtik-role-binding',
    );
    const info = await kOk(['workspace', 'info', wsFile]);
    expect(info.stdout).toContain(`network: namespace/${ws}\n`);
  });

  it('starts 1 head + 2 workers (created and set up with the head; its controller leaves them alone)', async () => {
    const r = await kOk(['start', clusterFile, '--yes']);
    const out = r.stderr + r.stdout;
    expect(out).toContain('Launching 2 worker(s) with the head');
    expect(out).toMatch(/Workers \(launched with the head\): done/);
    // The wait for them began while the head's last start commands ran; what it saw comes under its own step.
    const step = out.slice(out.indexOf('Workers (launched with the head) ...'));
    expect(step.match(/^\s+worker\s+\S+-worker-\S+\s+up-to-date/gm), out).toHaveLength(2);
    // start set both workers up itself (their progress is its own) ...
    expect(out.match(/^\s+worker\s+\S+-worker-\S+\s+starting done/gm), out).toHaveLength(2);
    expect(r.stdout).toContain('2 worker(s)');
    // ... and the controller, which started meanwhile, did not set them up again.
    await eventually("the controller's second pass", 30_000, async () => {
      const status = JSON.parse((await kOk(['status', clusterFile, '--json'])).stdout) as {
        controller?: { pass: number };
      };
      return (status.controller?.pass ?? 0) >= 2 ? true : undefined;
    });
    const { events } = JSON.parse((await kOk(['events', clusterFile, '--json'])).stdout) as {
      events: { kind: string }[];
    };
    expect(events.some((e) => e.kind === 'controller')).toBe(true);
    expect(events.filter((e) => e.kind === 'update' || e.kind === 'launch')).toEqual([]);
    expect(await objects('pods')).toHaveLength(3);
    expect((await runningWorkers()).length).toBe(2);
    const services = await objects('services');
    expect(services.sort()).toEqual([`service/${CLUSTER}`, `service/cloudtik-${CLUSTER}-head`]);
    // Pods have DNS names through the headless Service.
    const dns = await kOk(['exec', clusterFile, `getent hosts worker-2.${CLUSTER}.${ws}.svc.cluster.local`]);
    expect(dns.stdout).toMatch(/^10\.\d+\.\d+\.\d+\s/m);
  });

  it('runs commands, copies files both ways and opens a terminal through the API', async () => {
    const r = await k(['exec', clusterFile, 'echo out-$((20+22)); echo err >&2; whoami; exit 3']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('out-42');
    expect(r.stdout).toContain('ubuntu');
    // As the user, in its home, with the container's open-files limit (not the 1024 a PAM session gives).
    const as = await kOk(['exec', clusterFile, 'echo "$(id -un) $HOME $(pwd) $(ulimit -Sn)"']);
    const [head] = (await objects('pods')).filter((p) => p.includes('-head-'));
    const limit = (await k8s.kubectlOk(['-n', ws, 'exec', head!, '--', 'sh', '-c', 'ulimit -Sn'])).trim();
    expect(Number(limit)).toBeGreaterThan(1024);
    expect(as.stdout.trim()).toBe(`ubuntu /home/ubuntu /home/ubuntu ${limit}`);
    const src = await writeFile(dir, 'up/a.txt', 'payload\n');
    await kOk(['upload', clusterFile, path.dirname(src) + '/', '~/up']);
    expect((await kOk(['exec', clusterFile, 'stat -c %U ~/up/a.txt; cat ~/up/a.txt'])).stdout).toContain(
      'ubuntu\npayload',
    );
    const back = path.join(dir, 'back.txt');
    await kOk(['download', clusterFile, '~/up/a.txt', back]);
    expect(await fsp.readFile(back, 'utf8')).toBe('payload\n');
    // attach on a real terminal (script gives it one): the shell's output and exit code come back.
    const argv = `${process.execPath} ${CLI} attach ${clusterFile}`;
    const t = await runProgram('script', ['-qec', argv, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: k8s.kubeconfig, CI: 'true', NO_COLOR: '1' },
      input: 'echo T-$((2+2)) $(tty)\nexit 5\n',
      timeoutMs: 60_000,
    });
    expect(t.stdout).toMatch(/T-4 \/dev\/pts\/\d+/);
    expect(t.code).toBe(5);
  });

  it('attach --port-forward reaches a port on the head from this machine while the terminal is open', async () => {
    const port = 18_000 + Math.floor(Math.random() * 1000);
    const serve = `node -e "require('http').createServer((q,s)=>s.end('pod-'+process.pid)).listen(${port},'127.0.0.1')"`;
    const argv = `${process.execPath} ${CLI} attach ${clusterFile} --port-forward ${port}`;
    const session = runProgram('script', ['-qec', argv, '/dev/null'], {
      env: { ...process.env, KUBECONFIG: k8s.kubeconfig, CI: 'true', NO_COLOR: '1' },
      // Open until the test has been through the forward (it leaves a file on the head), 60 s at most.
      input: `rm -f /tmp/pf-done; ${serve} & for i in $(seq 300); do [ -e /tmp/pf-done ] && break; sleep 0.2; done; kill %1; exit 0\n`,
      timeoutMs: 90_000,
    });
    const body = await eventually('the forwarded port answers', 40_000, async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      return r?.ok ? await r.text() : undefined;
    });
    expect(body).toMatch(/^pod-\d+$/);
    await kOk(['exec', clusterFile, 'touch /tmp/pf-done']);
    expect((await session).code).toBe(0);
    // Closed with the terminal.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it("sends a command's script and its own input on stdin: no environment value in the pod's process list", async () => {
    const [head] = (await objects('pods')).filter((p) => p.includes('-head-'));
    const api = await kubeApi(k8s.kubeconfig);
    const runner = new KubeExecRunner(api, { namespace: ws, pod: head!.replace('pod/', ''), user: 'ubuntu' });
    const r = await runner.run({
      command: 'ps -eo args; cat; echo " $CLOUDTIK_T_VALUE"',
      env: { CLOUDTIK_T_VALUE: 'hidden-4711' },
      stdin: Readable.from(['input-line']),
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('input-line hidden-4711');
    expect(r.stdout.split('input-line')[0]).not.toContain('hidden-4711');
  });

  it('refuses, from the head, a request its Role does not allow', async () => {
    const call = (url: string, method = 'GET'): string =>
      `curl -s -o /dev/null -w "%{http_code}" -X ${method} --cacert ${HEAD_CA} -H "Authorization: Bearer $(cat ${HEAD_TOKEN})" https://kubernetes.default.svc${url}`;
    const own = await kOk(['exec', clusterFile, call(`/api/v1/namespaces/${ws}/pods`)]);
    expect(own.stdout.trim()).toBe('200');
    const other = await kOk(['exec', clusterFile, call('/api/v1/namespaces/kube-system/pods')]);
    expect(other.stdout.trim()).toBe('403');
    const nodes = await kOk(['exec', clusterFile, call('/api/v1/nodes')]);
    expect(nodes.stdout.trim()).toBe('403');
    // It may renew its own token, not get one of another account.
    const tokenOf = (account: string): string =>
      call(`/api/v1/namespaces/${ws}/serviceaccounts/${account}/token`, 'POST') +
      ` -H "Content-Type: application/json" -d '{"spec":{"expirationSeconds":600}}'`;
    const worker = await kOk(['exec', clusterFile, tokenOf('cloudtik-worker-service-account')]);
    expect(worker.stdout.trim()).toBe('403');
    const defaultAccount = await kOk(['exec', clusterFile, tokenOf('default')]);
    expect(defaultAccount.stdout.trim()).toBe('403');
  });

  it("gives the head a token of its own account bound to its pod, the node user's only, that it renews", async () => {
    const [head] = (await objects('pods')).filter((p) => p.includes('-head-'));
    const pod = head!.replace('pod/', '');
    // No token mounted (a mount holds a new pod back; see head-token.ts): the one start installed.
    const files = await kOk([
      'exec',
      clusterFile,
      `ls /var/run/secrets 2>&1; stat -c '%U %a' ${HEAD_TOKEN} ${HEAD_CA}`,
    ]);
    expect(files.stdout).toMatch(/No such file or directory/);
    expect(files.stdout).toContain('ubuntu 600\nubuntu 600');
    const claims = async (): Promise<{ iat: number; 'kubernetes.io': { pod: { name: string } } }> => {
      const r = await kOk(['exec', clusterFile, `cut -d. -f2 ${HEAD_TOKEN}`]);
      return JSON.parse(Buffer.from(r.stdout.trim(), 'base64url').toString('utf8')) as Awaited<
        ReturnType<typeof claims>
      >;
    };
    const before = await claims();
    expect(before['kubernetes.io'].pod.name).toBe(pod);
    await new Promise((r) => setTimeout(r, 1100)); // a new token has a later iat (seconds)
    const renewed = await kOk(['exec', clusterFile, 'cloudtik node kubernetes-token']);
    expect(renewed.stdout).toMatch(/renewed \/cloudtik\/state\/kube-token: valid until \d{4}-/);
    const after = await claims();
    expect(after.iat).toBeGreaterThan(before.iat);
    expect(after['kubernetes.io'].pod.name).toBe(pod);
    // Renewed through sudo as well, the file stays the node user's; the new token is taken.
    await kOk(['exec', clusterFile, 'sudo -E cloudtik node kubernetes-token']);
    const own = await kOk([
      'exec',
      clusterFile,
      `stat -c '%U %a' ${HEAD_TOKEN}; curl -s -o /dev/null -w "%{http_code}" --cacert ${HEAD_CA} -H "Authorization: Bearer $(cat ${HEAD_TOKEN})" https://kubernetes.default.svc/api/v1/namespaces/${ws}/pods`,
    ]);
    expect(own.stdout.trim()).toBe('ubuntu 600\n200');
  });

  it('refuses, from the head, a pod in its own namespace that could take over the Kubernetes node', async () => {
    const post = (name: string, spec: object): string => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec });
      return (
        `printf '%s' '${body}' > /tmp/${name}.json && curl -s -X POST -H "Content-Type: application/json" ` +
        `--data-binary @/tmp/${name}.json --cacert ${HEAD_CA} -H "Authorization: Bearer $(cat ${HEAD_TOKEN})" ` +
        `https://kubernetes.default.svc/api/v1/namespaces/${ws}/pods`
      );
    };
    const container = { name: 'x', image: 'cloudtik/cloudtik', command: ['sleep', '60'] };
    const privileged = await kOk([
      'exec',
      clusterFile,
      post('grab-privileged', { containers: [{ ...container, securityContext: { privileged: true } }] }),
    ]);
    expect(privileged.stdout).toMatch(/"code":\s*403/);
    expect(privileged.stdout).toMatch(/violates PodSecurity \\"baseline:latest\\": privileged/);
    const hostDisk = await kOk([
      'exec',
      clusterFile,
      post('grab-host', {
        containers: [{ ...container, volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      }),
    ]);
    expect(hostDisk.stdout).toMatch(/violates PodSecurity \\"baseline:latest\\": hostPath volumes/);
    const left = await k8s.kubectlOk(['-n', ws, 'get', 'pods', '-o', 'name']);
    expect(left).not.toMatch(/grab-/);
  });

  it('replaces a deleted worker pod', async () => {
    const [victim] = await runningWorkers();
    await k8s.kubectlOk(['-n', ws, 'delete', victim!, '--wait=true']);
    await eventually('a new worker replaces the deleted one', 120_000, async () => {
      const now = await runningWorkers();
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    });
  });

  it('scales to 3 workers and back', async () => {
    await kOk(['scale', clusterFile, '--workers', '3']);
    await eventually('3 workers', 120_000, async () => ((await runningWorkers()).length === 3 ? true : undefined));
    await kOk(['scale', clusterFile, '--workers', '2', '--override']);
    await eventually('back to 2 workers', 180_000, async () =>
      (await objects('pods')).length === 3 ? true : undefined,
    );
  });

  it('reports a pod that cannot be scheduled with the scheduler reason, and leaves nothing', async () => {
    const big = await writeFile(
      dir,
      'big.yaml',
      [
        'cluster_name: big',
        `workspace_name: ${ws}`,
        'provider: {type: kubernetes}',
        'available_node_types:',
        '  head.default:',
        '    node_config: {resources: {cpu: 64, memory: 1Gi}}',
        'runtime: {types: []}',
        '',
      ].join('\n'),
    );
    const r = await k(['start', big, '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/Unschedulable: .*Insufficient cpu/);
    expect(await objects('pods', 'big')).toEqual([]);
    await kOk(['stop', big, '--yes']);
    expect(await objects('services', 'big')).toEqual([]);
  });

  it('refuses to delete the workspace while the cluster lives; stop leaves nothing of it', async () => {
    const refused = await k(['workspace', 'delete', wsFile, '--yes']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr + refused.stdout).toContain(CLUSTER);
    await kOk(['stop', clusterFile, '--yes']);
    for (const kind of ['pods', 'services', 'persistentvolumeclaims']) expect(await objects(kind)).toEqual([]);
    await kOk(['workspace', 'delete', wsFile, '--yes']);
    await eventually('the namespace is gone', 120_000, async () =>
      (await k8s.kubectl(['get', 'namespace', ws])).code !== 0 ? true : undefined,
    );
  });
});

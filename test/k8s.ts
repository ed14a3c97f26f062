/**
 * The development Kubernetes (dev/k8s.sh) for the tests that need one. A suite starts it with
 * {@link startDevKubernetes} in its `beforeAll` and ends it with {@link DevKubernetes.down} in its
 * `afterAll`: `up` builds it first when the build cache is cold (minutes), then returns once the
 * node is Ready; `down` removes everything it made. Needs root, as the script does.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { withDeadline } from '../src/core/deadline.js';
import { runTool, type ToolResult } from '../src/core/process.js';
import { cli, ROOT } from './helpers.js';

export const K8S_SCRIPT = path.join(ROOT, 'dev', 'k8s.sh');

/** A cold `up` builds Kubernetes and CoreDNS from source first. */
const COLD_UP_MS = 40 * 60_000;
const SCRIPT_MS = 5 * 60_000;

export interface DevKubernetes {
  /** The admin kubeconfig `dev/k8s.sh env` names. */
  kubeconfig: string;
  /** The kubectl built with the cluster. */
  kubectlPath: string;
  /** kubectl with the admin kubeconfig; a non-zero exit is returned, not thrown. */
  kubectl(args: string[], input?: string): Promise<ToolResult>;
  /** Like {@link kubectl}, but fails with kubectl's output unless it exits 0; returns stdout. */
  kubectlOk(args: string[], input?: string): Promise<string>;
  /** `dev/k8s.sh down`; fails with its output unless it exits 0. */
  down(): Promise<void>;
}

/** Runs `dev/k8s.sh ARGS`, failing with its last output lines unless it exits 0. */
export async function k8sScript(args: string[], ms = SCRIPT_MS): Promise<ToolResult> {
  const r = await withDeadline((signal) => runTool(K8S_SCRIPT, args, { signal, cwd: ROOT }), {
    ms,
    expired: () => new Error(`dev/k8s.sh ${args.join(' ')} did not finish within ${ms / 1000}s`),
  });
  if (r.code !== 0) throw new Error(`dev/k8s.sh ${args.join(' ')} exited ${r.code}:\n${r.tail.join('\n')}`);
  return r;
}

/** The value of `export NAME=...` in the output of `dev/k8s.sh env`. */
export function exported(envOutput: string, name: string): string {
  const value = new RegExp(`^export ${name}=(.*)$`, 'm').exec(envOutput)?.[1];
  if (value === undefined) throw new Error(`dev/k8s.sh env printed no ${name}:\n${envOutput}`);
  return value.replace(/:"\$PATH"$/, '').replace(/^'(.*)'$/, '$1');
}

/** Brings the cluster up (building it when needed) and loads `images` from the Docker engine. */
export async function startDevKubernetes(images: string[]): Promise<DevKubernetes> {
  await k8sScript(['--quiet', 'up'], COLD_UP_MS);
  const env = (await k8sScript(['env'])).stdout;
  const kubeconfig = exported(env, 'KUBECONFIG');
  const kubectlPath = path.join(exported(env, 'PATH'), 'kubectl');
  if (images.length > 0) await k8sScript(['--quiet', 'load-images', ...images]);
  const kubectl = (args: string[], input?: string): Promise<ToolResult> =>
    withDeadline((signal) => runTool(kubectlPath, ['--kubeconfig', kubeconfig, ...args], { signal, input }), {
      ms: SCRIPT_MS,
      expired: () => new Error(`kubectl ${args.join(' ')} did not finish within ${SCRIPT_MS / 1000}s`),
    });
  return {
    kubeconfig,
    kubectlPath,
    kubectl,
    async kubectlOk(args, input) {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.tail.join('\n')}`);
      return r.stdout;
    },
    async down() {
      await k8sScript(['--quiet', 'down']);
    },
  };
}

/**
 * What a test file on the development Kubernetes leaves behind: its cluster stopped, its workspace
 * deleted (each tried even when the tests failed), the cluster taken down and its folder removed.
 */
export async function tearDownK8sTest(
  k8s: DevKubernetes | undefined,
  files: { clusterFile: string; wsFile: string; dir: string; args?: string[] },
): Promise<void> {
  if (!k8s) return;
  const env = { KUBECONFIG: k8s.kubeconfig };
  const extra = files.args ?? [];
  await cli(['stop', ...extra, files.clusterFile, '--yes'], { env, timeoutMs: 400_000 }).catch(() => undefined);
  await cli(['workspace', 'delete', ...extra, files.wsFile, '--yes'], { env, timeoutMs: 400_000 }).catch(
    () => undefined,
  );
  await k8s.down();
  await fsp.rm(files.dir, { recursive: true, force: true });
}

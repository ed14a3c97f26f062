import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { stringify } from 'yaml';
import { demuxStream, type Container } from '../src/providers/virtual/engine.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'bin', 'cloudtik.js');

/** Prefix of every workspace a test makes; the global teardown sweeps by it. */
export const TEST_PREFIX = 'ctest-';

export function testRunId(): string {
  const id = process.env.CLOUDTIK_TEST_RUN;
  if (!id)
    throw new Error('CLOUDTIK_TEST_RUN is not set: run the integration tests through vitest (test/global-setup.ts)');
  return id;
}

/** A unique workspace name for one test file. */
export function testWorkspace(label: string): string {
  return `${TEST_PREFIX}${testRunId()}-${label}`;
}

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a program to its end and collect its output (killed after `timeoutMs`). `env` is the whole
 * environment; `input` goes to its stdin.
 */
export function runProgram(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // A program that exits without reading its input closes the pipe: that is its business, not an error here.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Run the built CLI as a user would, with the test run's CLOUDTIK_HOME. */
export function cli(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProgram(process.execPath, [CLI, ...args], {
    env: { ...process.env, CI: 'true', NO_COLOR: '1', ...options.env },
    input: options.input,
    timeoutMs: options.timeoutMs,
  });
}

/** Like {@link cli} but fails with the full output when the exit code is not 0. */
export async function cliOk(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const r = await cli(args, options);
  if (r.code !== 0)
    throw new Error(`cloudtik ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

/** A fresh temp folder, removed by the caller. */
export async function tempDir(label: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `cloudtik-${label}-`));
}

export async function writeFile(dir: string, name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, text);
  return file;
}

/** Containers of one cluster, from labels. */
export async function clusterContainers(workspace: string, cluster: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`cloudtik-workspace-name=${workspace}`, `cloudtik-cluster-name=${cluster}`] },
  });
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}

/**
 * Remove the containers and networks of test workspaces that `keep` rejects: `doomed(workspace,
 * createdMs)` decides for each labelled object. Used by tests and by the global teardown.
 */
export async function sweepWorkspaces(
  engine: Docker,
  doomed: (workspace: string, createdMs: number) => boolean,
): Promise<number> {
  const label = 'cloudtik-workspace-name';
  const containers = (await engine.listContainers({ all: true, filters: { label: [label] } })).filter((c) =>
    doomed(c.Labels[label] ?? '', c.Created * 1000),
  );
  await Promise.all(
    containers.map((c) =>
      engine
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const nets = (await engine.listNetworks({ filters: { label: [label] } })).filter((n) =>
    doomed(n.Labels?.[label] ?? '', Date.parse(n.Created)),
  );
  await Promise.all(
    nets.map((n) =>
      engine
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  return containers.length + nets.length;
}

/** Remove every container and network a workspace holds (tests' own cleanup). */
export async function sweepWorkspace(workspace: string): Promise<void> {
  await sweepWorkspaces(docker, (ws) => ws === workspace);
}

/**
 * Run `argv` in a container, attached, through cloudtik's engine client: its stdout, stderr (as
 * they are) and exit code; `input` goes to its stdin.
 */
export async function execInContainer(
  container: Container,
  argv: string[],
  options: { user?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const exec = await container.exec({
    Cmd: argv,
    User: options.user,
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: options.input !== undefined,
  });
  const stream = await exec.start();
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (b: Buffer) => (stdout += b.toString()));
  err.on('data', (b: Buffer) => (stderr += b.toString()));
  demuxStream(stream, out, err);
  if (options.input !== undefined) stream.end(options.input);
  await new Promise((resolve) => stream.on('close', resolve));
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, stdout, stderr };
}

/**
 * Pause a container (a host that stops answering). The cgroup freezer can fail while one of its
 * processes waits on the disk ("unable to freeze", seen on a loaded machine): tried again a few
 * times before the error is the test's.
 */
export async function pauseContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await container.pause();
      return;
    } catch (err) {
      if (attempt >= 5 || !/unable to freeze/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Poll `check` until it returns a value (a throw counts as not yet). After `ms` fail, saying what
 * was awaited, the last error, and what `context` adds (for example the cluster's status).
 */
export async function eventually<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
  options: { everyMs?: number; context?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? last.message : 'no answer';
      const context = options.context ? `\n${await options.context()}` : '';
      throw new Error(`${what}: not within ${ms / 1000}s (${why})${context}`);
    }
    await new Promise((r) => setTimeout(r, options.everyMs ?? 1000));
  }
}

/** An event as `cloudtik events --json` prints it. */
export interface EventJson {
  time: number;
  kind: string;
  reason: string;
  message: string;
  nodeIds?: string[];
}

/** One node type of a test cluster: its container's size, and for workers how many. */
export interface TestNodeType {
  cpu: number;
  /** `2G`, `1536M`, ... */
  memory: string;
  min?: number;
  max?: number;
}

/** What differs between the virtual clusters the tests start; the rest is one skeleton. */
export interface TestClusterSpec {
  cluster: string;
  workspace: string;
  /** `runtime.types`, or the whole `runtime` section. */
  runtime?: string[] | Record<string, unknown>;
  head: TestNodeType;
  worker?: TestNodeType;
  /** More top-level keys (max_workers, auth, setup commands, ...). */
  extra?: Record<string, unknown>;
}

function nodeType(t: TestNodeType): Record<string, unknown> {
  return {
    node_config: { instance_type: { CPU: t.cpu, memory: t.memory } },
    ...(t.min !== undefined ? { min_workers: t.min } : {}),
    ...(t.max !== undefined ? { max_workers: t.max } : {}),
  };
}

/** The YAML of a virtual-provider cluster config for a test. */
export function testClusterYaml(spec: TestClusterSpec): string {
  const runtime = Array.isArray(spec.runtime) ? { types: spec.runtime } : spec.runtime;
  return stringify({
    cluster_name: spec.cluster,
    workspace_name: spec.workspace,
    provider: { type: 'virtual' },
    ...(runtime ? { runtime } : {}),
    ...spec.extra,
    available_node_types: {
      'head.default': nodeType(spec.head),
      ...(spec.worker ? { 'worker.default': nodeType(spec.worker) } : {}),
    },
  });
}

/**
 * The dashboard tests' cluster: a bare 1 head + 1 worker (shell jobs only, room to scale to 2),
 * its workspace made and its file written in `dir`; resolves with the file.
 */
export async function writeBareDashboardCluster(dir: string, workspace: string, cluster: string): Promise<string> {
  await createTestWorkspace(dir, workspace);
  return writeFile(
    dir,
    'dash.yaml',
    testClusterYaml({
      cluster,
      workspace,
      runtime: { types: [] },
      head: { cpu: 1, memory: '1G' },
      worker: { cpu: 1, memory: '512M', min: 1, max: 2 },
    }),
  );
}

/** Write a virtual workspace's config into `dir` and create the workspace; resolves with the file. */
export async function createTestWorkspace(dir: string, workspace: string): Promise<string> {
  const file = await writeFile(dir, 'ws.yaml', `workspace_name: ${workspace}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', file, '-y']);
  return file;
}

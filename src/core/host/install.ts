import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OutputTail, tailLines, type CommandRunner, type RunOptions } from '../command/runner.js';
import { quote } from '../command/shell.js';
import { CloudtikError, isCloudtikError } from '../errors.js';
import { errorMessage, timedStep, type EventSink } from '../events.js';
import { fetchDownloads, readDownloadLock } from './downloads.js';
import { collectDirectory, hashFile, hostCaCertificates, type LocalFile } from './files.js';
import {
  HOST_CACHE,
  isDebianLike,
  layerArgs,
  layerHashes,
  layersFor,
  missingFiles,
  parseProbe,
  PROBE_SCRIPT,
  STAGE,
  type HostLayerName,
  type HostProbe,
  type LayerFile,
  type LayerInputs,
} from './layers.js';
import { dockerDir, fetchNodeRuntime, packageInfo, packCloudtik } from './package.js';
import {
  HADOOP_VERSION,
  KAFKA_VERSION,
  METASTORE_VERSION,
  NODE_VERSION,
  NPM_VERSION,
  SPARK_VERSION,
  TRINO_VERSION,
  ZOOKEEPER_VERSION,
} from './versions.js';

/**
 * Installs what a node image has on a bare Debian or Ubuntu host, through nothing but the host's
 * {@link CommandRunner}: the files come from the CLI machine's download cache (checksum-verified
 * there, checked again on the host), are kept on the host by sha256 under /var/cache/cloudtik/files,
 * and each layer's `docker/<layer>/install.sh` runs with root rights. A layer whose marker matches
 * its inputs is skipped, so a second install uploads and runs nothing.
 */

export interface HostInstallOptions {
  runner: CommandRunner;
  /** Runtime names of the node (hdfs, yarn, spark, prometheus). */
  runtimes: readonly string[];
  /** Whether the host is a cluster's head: workers go without head-only packages (redis-server, the Prometheus server). */
  head: boolean;
  /** Install cloudtik from this URL (`cloudtik_package_url`) instead of the CLI's own packed tarball. */
  packageUrl?: string;
  sink: EventSink;
  signal?: AbortSignal;
}

export interface HostLayerResult {
  layer: HostLayerName;
  state: 'installed' | 'cached';
  ms: number;
}

export interface HostInstallResult {
  host: string;
  layers: HostLayerResult[];
  /** Files sent to the host's cache by this install (0 when it had all of them). */
  uploadedFiles: number;
  uploadedBytes: number;
}

/** Install the layers `runtimes` need on the runner's host; see {@link HostInstallOptions}. */
export async function installHost(opts: HostInstallOptions): Promise<HostInstallResult> {
  const host = opts.runner.nodeId;
  const probe = await probeHost(opts);
  const layers = layersFor(opts.runtimes);
  const inputs = await hostStep(opts, 'prepare', 'collect the install files', () =>
    Promise.all(layers.map((layer) => layerInputs(layer, probe, opts))),
  );
  const hashes = layerHashes(inputs);
  const pending = inputs.filter((layer, i) => probe.layers[layer.layer] !== hashes[i]);
  const toInstall = new Map(pending.map((layer) => [layer.layer, layer]));
  const upload = missingFiles(pending, probe.files);
  const uploadedBytes = upload.length > 0 ? await uploadFiles(upload, opts) : 0;
  const results: HostLayerResult[] = [];
  for (const [i, layer] of inputs.entries()) {
    const hash = hashes[i] as string;
    const install = toInstall.get(layer.layer);
    if (install === undefined) {
      opts.sink({
        type: 'step',
        id: stepId(host, layer.layer),
        title: `${host}: ${layer.layer}`,
        state: 'skip',
        detail: 'installed',
      });
      results.push({ layer: layer.layer, state: 'cached', ms: 0 });
      continue;
    }
    const t0 = performance.now();
    await hostStep(opts, layer.layer, `install the ${layer.layer} layer`, () => runLayer(install, hash, opts));
    results.push({ layer: layer.layer, state: 'installed', ms: Math.round(performance.now() - t0) });
  }
  return { host, layers: results, uploadedFiles: upload.length, uploadedBytes };
}

function stepId(host: string, step: string): string {
  return `host-install:${host}:${step}`;
}

/** Runs `fn` as the step `<host>: <step>`; a failure names the host and the step. */
async function hostStep<T>(opts: HostInstallOptions, step: string, what: string, fn: () => Promise<T>): Promise<T> {
  const host = opts.runner.nodeId;
  try {
    return await timedStep(opts.sink, stepId(host, step), `${host}: ${what}`, fn);
  } catch (err) {
    if (isCloudtikError(err)) throw err;
    throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `host ${host}: ${what} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Runs a script on the host; a non-zero exit is an error naming host, step, the last output lines and `hint`. */
async function mustRun(
  opts: HostInstallOptions,
  what: string,
  run: Omit<RunOptions, 'signal' | 'onStdout' | 'onStderr'>,
  hint: string,
  watch?: (text: string) => void,
): Promise<string> {
  const output = new OutputTail();
  const result = await opts.runner.run({
    ...run,
    signal: opts.signal,
    onStdout: (text) => {
      output.push(text);
      watch?.(text);
    },
    onStderr: (text) => output.push(text),
  });
  if (result.exitCode !== 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_NODE_COMMAND',
      `host ${opts.runner.nodeId}: ${what} failed (exit code ${result.exitCode})`,
      { details: tailLines(output.toString(), 20), hint },
    );
  }
  return result.stdout;
}

async function probeHost(opts: HostInstallOptions): Promise<HostProbe> {
  const host = opts.runner.nodeId;
  return hostStep(opts, 'probe', 'check the host', async () => {
    const probe = parseProbe(
      await mustRun(opts, 'check the host', { command: PROBE_SCRIPT }, 'check that the host answers commands'),
    );
    if (!isDebianLike(probe.os)) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_NODE_COMMAND',
        `host ${host} runs "${probe.os.trim() || 'an unknown system'}"`,
        {
          hint: 'bare hosts must run Debian 12 or Ubuntu (the install scripts use apt)',
        },
      );
    }
    if (!probe.sudo) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_NODE_COMMAND',
        `host ${host}: user ${probe.user} cannot run sudo without a password`,
        {
          hint: `allow it, for example: echo '${probe.user} ALL=(ALL:ALL) NOPASSWD: ALL' | sudo tee /etc/sudoers.d/${probe.user}`,
        },
      );
    }
    return probe;
  });
}

function withSha256(files: LocalFile[]): Promise<LayerFile[]> {
  return Promise.all(files.map(async (f) => ({ ...f, sha256: await hashFile(f.path) })));
}

/**
 * Layer inputs already put together in this process, by layer, architecture, user and package
 * URL: the head's controller sets up many hosts, and hashing the same files (the Node binary is
 * over 100 MB) for each of them is wasted work. The files are content-addressed in the caches, so
 * what was collected stays right for the process's life.
 */
const collected = new Map<string, Promise<LayerInputs>>();

/**
 * A layer's inputs for this host: what was collected for the layer, plus, for the layers that
 * install head-only packages (base: the state store; spark: the Prometheus server), whether the
 * host is the head. The files are the same for both, so the head and its workers share one
 * collection.
 */
function layerInputs(layer: HostLayerName, probe: HostProbe, opts: HostInstallOptions): Promise<LayerInputs> {
  const key = [layer, probe.arch, probe.user, opts.packageUrl ?? ''].join('\0');
  let inputs = collected.get(key);
  if (!inputs) {
    inputs = collectLayerInputs(layer, probe, opts);
    collected.set(key, inputs);
    inputs.catch(() => collected.delete(key));
  }
  if (layer !== 'base' && layer !== 'spark') return inputs;
  const kind = opts.head ? 'head' : 'worker';
  return inputs.then((i) => ({ ...i, env: { ...i.env, CLOUDTIK_NODE_KIND: kind } }));
}

/** A layer's folder (without its Dockerfile), its locked downloads and the extra files its script takes. */
async function collectLayerInputs(
  layer: HostLayerName,
  probe: HostProbe,
  opts: HostInstallOptions,
): Promise<LayerInputs> {
  const folder = path.join(dockerDir(), layer);
  const files = await withSha256((await collectDirectory(folder)).filter((f) => f.name !== 'Dockerfile'));
  const fetched = await fetchDownloads(await readDownloadLock(folder), {
    label: `host ${layer}`,
    sink: opts.sink,
    signal: opts.signal,
  });
  files.push(...fetched.map((f) => ({ ...f, mode: 0o644 })));
  const env: Record<string, string> = { CLOUDTIK_NODE_USER: probe.user };
  const pack = { sink: opts.sink, signal: opts.signal };
  if (layer === 'base') {
    const runtime = await fetchNodeRuntime(probe.arch, pack);
    files.push(...(await withSha256(await hostCaCertificates())));
    files.push(
      { name: 'node', path: runtime.nodeBinary, mode: 0o755, sha256: await hashFile(runtime.nodeBinary) },
      { name: 'npm.tgz', path: runtime.npmTarball.path, mode: 0o644, sha256: runtime.npmTarball.sha256 },
    );
    Object.assign(env, { NODE_VERSION, NPM_VERSION });
  }
  if (layer === 'hadoop') env.HADOOP_VERSION = HADOOP_VERSION;
  if (layer === 'spark') env.SPARK_VERSION = SPARK_VERSION;
  if (layer === 'sql') Object.assign(env, { METASTORE_VERSION, TRINO_VERSION });
  if (layer === 'streaming') Object.assign(env, { KAFKA_VERSION, ZOOKEEPER_VERSION });
  if (layer === 'cloudtik' && opts.packageUrl === undefined) {
    const tarball = await packCloudtik(pack);
    files.push({ name: 'cloudtik.tgz', path: tarball.path, mode: 0o644, sha256: tarball.sha256 });
  }
  const args = layerArgs(layer, { version: packageInfo().version, url: opts.packageUrl });
  return { layer, files, env, args };
}

/**
 * Sends `files` to the host's cache in one upload (named by sha256), then checks every sha256 on
 * the host before the files enter the cache. Returns the bytes sent.
 */
async function uploadFiles(files: LayerFile[], opts: HostInstallOptions): Promise<number> {
  return hostStep(
    opts,
    'upload',
    `send ${files.length} file${files.length === 1 ? '' : 's'} to the host's cache`,
    async () => {
      const local = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-host-files-'));
      const remote = `/tmp/cloudtik-host-files-${crypto.randomBytes(6).toString('hex')}`;
      try {
        let bytes = 0;
        for (const f of files) {
          const target = path.join(local, f.sha256);
          await fsp.link(f.path, target).catch(() => fsp.copyFile(f.path, target));
          bytes += (await fsp.stat(target)).size;
        }
        await opts.runner.upload(`${local}/`, remote);
        const accept = [
          `cd ${quote(remote)}`,
          'for f in *; do printf "%s  %s\\n" "$f" "$f"; done | sha256sum --check --quiet --strict',
          `install -d -m 0755 ${HOST_CACHE} ${HOST_CACHE}/files`,
          `chmod 0644 -- * && chown root:root -- * && mv -f -- * ${HOST_CACHE}/files/`,
          `cd / && rm -rf ${quote(remote)}`,
        ].join(' && ');
        await mustRun(
          opts,
          'check the sent files',
          { command: accept, asRoot: true },
          'a file changed on the way; retry the install',
        );
        return bytes;
      } finally {
        await fsp.rm(local, { recursive: true, force: true });
        await opts.runner.run({ command: `rm -rf ${quote(remote)}`, asRoot: true }).catch(() => undefined);
      }
    },
  );
}

/** The root script that puts a layer's folder together from the cache, runs its install.sh and writes the marker. */
export function layerScript(layer: LayerInputs, hash: string): string {
  const stage = `${HOST_CACHE}/stage/${layer.layer}`;
  const links = layer.files.map((f) => {
    const target = `${stage}/${f.name}`;
    return `install -d ${quote(path.posix.dirname(target))} && ln -f ${HOST_CACHE}/files/${f.sha256} ${quote(target)} && chmod ${(f.mode & 0o111 ? 0o755 : 0o644).toString(8)} ${quote(target)}`;
  });
  const env = Object.entries({ ...layer.env, CLOUDTIK_LAYER_HASH: hash }).map(([k, v]) => `${k}=${quote(v)}`);
  const args = layer.args.map((a) => quote(a.split(STAGE).join(stage)));
  const marker = `${HOST_CACHE}/layers/${layer.layer}`;
  return [
    'set -euo pipefail',
    // One install at a time on a host: a second one waits, then finds the layer in place.
    `install -d -m 0755 ${HOST_CACHE} && exec 9>${HOST_CACHE}/install.lock && flock 9`,
    `if [ "$(cat ${marker} 2>/dev/null)" = ${hash} ]; then echo "the ${layer.layer} layer is in place"; exit 0; fi`,
    `rm -rf ${stage} && install -d -m 0755 ${stage} ${HOST_CACHE}/layers`,
    ...links,
    `env ${env.join(' ')} bash ${stage}/install.sh ${args.join(' ')}`,
    `echo ${hash} > ${marker}.tmp && mv -f ${marker}.tmp ${marker}`,
    `rm -rf ${stage}`,
  ].join('\n');
}

async function runLayer(layer: LayerInputs, hash: string, opts: HostInstallOptions): Promise<void> {
  await mustRun(
    opts,
    `installing the ${layer.layer} layer (docker/${layer.layer}/install.sh)`,
    { command: layerScript(layer, hash), asRoot: true },
    `see the lines above; the layer's folder stays in ${HOST_CACHE}/stage/${layer.layer} for a look, and the next install retries it`,
    layerStepWatcher(opts, layer.layer),
  );
}

const STEP_DONE = /^cloudtik-step-done (\w+) (\d+)$/;

/** Reports each `cloudtik-step-done NAME MS` line of a layer's install.sh as a finished step of the host's install. */
export function layerStepWatcher(
  opts: Pick<HostInstallOptions, 'runner' | 'sink'>,
  layer: string,
): (text: string) => void {
  const host = opts.runner.nodeId;
  let partial = '';
  return (text) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = STEP_DONE.exec(line.trim());
      if (!m) continue;
      const step = m[1] as string;
      const title = `${host}: ${layer} layer, step ${step}`;
      opts.sink({ type: 'step', id: stepId(host, `${layer}:${step}`), title, state: 'done', ms: Number(m[2]) });
    }
  };
}

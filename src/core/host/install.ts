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
import { HADOOP_VERSION, NODE_VERSION, NPM_VERSION, SPARK_VERSION } from './versions.js';

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
  // Only a layer the host lacks gets this machine's own outputs: a start that installs nothing hashes none of them.
  const pending = await Promise.all(
    inputs
      .filter((layer, i) => probe.layers[layer.layer] !== hashes[i])
      .map(async (layer) => withExtras(layer, await ownOutputs(layer.layer))),
  );
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

function layerInputs(layer: HostLayerName, probe: HostProbe, opts: HostInstallOptions): Promise<LayerInputs> {
  const key = [layer, probe.arch, probe.user, opts.packageUrl ?? ''].join('\0');
  let inputs = collected.get(key);
  if (!inputs) {
    inputs = collectLayerInputs(layer, probe, opts);
    collected.set(key, inputs);
    inputs.catch(() => collected.delete(key));
  }
  return inputs;
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
  if (layer === 'cloudtik' && opts.packageUrl === undefined) {
    const tarball = await packCloudtik(pack);
    files.push({ name: 'cloudtik.tgz', path: tarball.path, mode: 0o644, sha256: tarball.sha256 });
  }
  const args = layerArgs(layer, { version: packageInfo().version, url: opts.packageUrl });
  return { layer, files, env, args };
}

function withExtras(layer: LayerInputs, extras: LayerFile[]): LayerInputs {
  return extras.length > 0 ? { ...layer, extras } : layer;
}

/**
 * What a layer's install.sh makes on a host that another host with the same inputs can take as it
 * is: the folder, the file beside it with the key it was made for, and which of its files count.
 * The script compares the key with its own before it takes them (see each script's step).
 */
interface LayerOutput {
  /** The extras' folder in the layer's stage on the host. */
  prefix: string;
  dir: string;
  keyFile: string;
  include: (name: string) => boolean;
}

const OUTPUTS: Partial<Record<HostLayerName, LayerOutput>> = {
  // The NameNode template (docker/hadoop/install.sh, step namenode): several JVM starts to make.
  hadoop: {
    prefix: 'prebuilt-namenode',
    dir: '/opt/hadoop/share/hadoop/namenode-template',
    keyFile: '/opt/hadoop/share/hadoop/namenode-template.key',
    include: () => true,
  },
  // The class data sharing archives (docker/spark/install.sh, step cds): a minute or more of training.
  spark: { prefix: 'prebuilt-cds', dir: '/opt/cds', keyFile: '/opt/cds/key', include: (n) => n.endsWith('.jsa') },
};

/**
 * What this machine's own install of `layer` made, as `<prefix>/key` and `<prefix>/<file>`: a head
 * installing its workers sends them along, and a worker whose key matches takes them instead of
 * making them again. None when this machine has no such install.
 */
function ownOutputs(layer: HostLayerName): Promise<LayerFile[]> {
  // Once per process: the head's controller sets up several workers at once, and the archives are hundreds of MB.
  let files = ownOutputsOf.get(layer);
  if (!files) {
    files = collectOwnOutputs(layer);
    ownOutputsOf.set(layer, files);
    // Nothing made yet is not kept: this machine's own install may still make them.
    files.then((f) => f.length > 0 || ownOutputsOf.delete(layer)).catch(() => ownOutputsOf.delete(layer));
  }
  return files;
}

const ownOutputsOf = new Map<HostLayerName, Promise<LayerFile[]>>();

async function collectOwnOutputs(layer: HostLayerName): Promise<LayerFile[]> {
  const out = OUTPUTS[layer];
  if (!out || !(await fsp.stat(out.keyFile).catch(() => undefined))?.isFile()) return [];
  const files = (await collectDirectory(out.dir).catch(() => [])).filter((f) => out.include(f.name));
  if (files.length === 0) return [];
  return withSha256(
    [{ name: 'key', path: out.keyFile }, ...files].map((f) => ({
      name: `${out.prefix}/${f.name}`,
      path: f.path,
      mode: 0o644,
    })),
  );
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
  const links = [...layer.files, ...(layer.extras ?? [])].map((f) => {
    const target = `${stage}/${f.name}`;
    return `install -d ${quote(path.posix.dirname(target))} && ln -f ${HOST_CACHE}/files/${f.sha256} ${quote(target)} && chmod ${(f.mode & 0o111 ? 0o755 : 0o644).toString(8)} ${quote(target)}`;
  });
  const env = Object.entries({ ...layer.env, CLOUDTIK_LAYER_HASH: hash }).map(([k, v]) => `${k}=${quote(v)}`);
  const args = layer.args.map((a) => quote(a.split(STAGE).join(stage)));
  return [
    'set -euo pipefail',
    `rm -rf ${stage} && install -d -m 0755 ${stage} ${HOST_CACHE}/layers`,
    ...links,
    `env ${env.join(' ')} bash ${stage}/install.sh ${args.join(' ')}`,
    `echo ${hash} > ${HOST_CACHE}/layers/${layer.layer}.tmp && mv -f ${HOST_CACHE}/layers/${layer.layer}.tmp ${HOST_CACHE}/layers/${layer.layer}`,
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

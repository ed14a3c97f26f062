import crypto from 'node:crypto';
import { CloudtikError } from '../errors.js';

/**
 * What a bare host gets, decided without touching it: the layers of the node images (base,
 * hadoop, spark, sql, streaming, cloudtik), each installed by the same `docker/<layer>/install.sh` the image's
 * Dockerfile runs, and a marker hash per layer that says whether the host has it already.
 */

/** The install layers in the order they go on; each builds on the ones before it, as images do. */
export const HOST_LAYERS = ['base', 'hadoop', 'spark', 'sql', 'streaming', 'cloudtik'] as const;
export type HostLayerName = (typeof HOST_LAYERS)[number];

/** Bumped when the way layers are staged or run on a host changes in a way the inputs cannot see. */
export const HOST_RECIPE_VERSION = 1;

/** Where installs keep their state on a host (root-owned, world-readable). */
export const HOST_CACHE = '/var/cache/cloudtik';

/** The layers (besides base and cloudtik) each runtime needs: its products live in that image layer. */
const RUNTIME_LAYERS: Readonly<Record<string, readonly HostLayerName[]>> = {
  hdfs: ['hadoop'],
  yarn: ['hadoop'],
  // Spark's YARN shuffle service goes into Hadoop's folder; Prometheus sits in the spark layer, as in cloudtik/spark.
  spark: ['hadoop', 'spark'],
  prometheus: ['hadoop', 'spark'],
  // The SQL runtimes' products sit in the sql layer, on spark, as in cloudtik/sql.
  mysql: ['hadoop', 'spark', 'sql'],
  postgres: ['hadoop', 'spark', 'sql'],
  metastore: ['hadoop', 'spark', 'sql'],
  trino: ['hadoop', 'spark', 'sql'],
  presto: ['hadoop', 'spark', 'sql'],
  // Kafka and ZooKeeper need only the Java of the hadoop layer.
  zookeeper: ['hadoop', 'streaming'],
  kafka: ['hadoop', 'streaming'],
  // Flink runs on YARN; the streaming layer brings the Python PyFlink runs on.
  flink: ['hadoop', 'streaming'],
};

/** The layers a host needs for `runtimes`, in install order. */
export function layersFor(runtimes: readonly string[]): HostLayerName[] {
  const wanted = new Set<HostLayerName>(['base', 'cloudtik']);
  for (const runtime of runtimes) {
    const layers = RUNTIME_LAYERS[runtime];
    if (layers === undefined) {
      throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `runtime ${runtime} cannot be installed on a bare host`, {
        hint: `runtimes with host installs: ${Object.keys(RUNTIME_LAYERS).join(', ')}`,
      });
    }
    for (const layer of layers) wanted.add(layer);
  }
  return HOST_LAYERS.filter((layer) => wanted.has(layer));
}

/** One file of a layer's folder on the host: the layer's own files and its fetched ones. */
export interface LayerFile {
  /** Path inside the layer's folder, `/`-separated. */
  name: string;
  sha256: string;
  /** 0755 or 0644. */
  mode: number;
  /** Where the bytes are on the CLI machine. */
  path: string;
}

/** Everything one layer's install is made of. */
export interface LayerInputs {
  layer: HostLayerName;
  files: LayerFile[];
  /** Environment of the install script (versions it checks, the node user). */
  env: Record<string, string>;
  /** Arguments of `install.sh`; {@link STAGE} stands for the layer's folder on the host. */
  args: string[];
}

/** Placeholder for the layer's folder on the host in {@link LayerInputs.args}. */
export const STAGE = '<stage>';

/** The arguments of a layer's install script. */
export function layerArgs(layer: HostLayerName, cloudtik: { version: string; url?: string }): string[] {
  if (layer !== 'cloudtik') return [STAGE, 'host'];
  return cloudtik.url !== undefined ? [cloudtik.url, '', 'host'] : [`${STAGE}/cloudtik.tgz`, cloudtik.version, 'host'];
}

function sorted<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The marker hash of a layer: its files (names, modes, sha256), environment and arguments, and the
 * hash of the layer below, so a change anywhere below reinstalls everything above (as image
 * layers rebuild). Equal inputs give equal hashes on every machine.
 */
export function layerHash(inputs: LayerInputs, below: string | undefined): string {
  const hash = crypto.createHash('sha256');
  const line = (s: string): void => {
    hash.update(s);
    hash.update('\n');
  };
  line(`recipe ${HOST_RECIPE_VERSION}`);
  line(`layer ${inputs.layer}`);
  line(`below ${below ?? '-'}`);
  line(`args ${JSON.stringify(inputs.args)}`);
  for (const [k, v] of sorted(Object.entries(inputs.env), ([k]) => k))
    line(`env ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  for (const f of sorted(inputs.files, (f) => f.name)) {
    line(`file ${JSON.stringify(f.name)} ${(f.mode & 0o111 ? 0o755 : 0o644).toString(8)} ${f.sha256}`);
  }
  return hash.digest('hex');
}

/** The marker hashes of a list of layers, each chained onto the one before. */
export function layerHashes(inputs: readonly LayerInputs[]): string[] {
  const hashes: string[] = [];
  for (const layer of inputs) hashes.push(layerHash(layer, hashes[hashes.length - 1]));
  return hashes;
}

/** What a host says about itself before an install. */
export interface HostProbe {
  user: string;
  /** `uname -m`. */
  arch: string;
  /** `ID` and `ID_LIKE` of /etc/os-release. */
  os: string;
  sudo: boolean;
  /** Marker hash per installed layer. */
  layers: Record<string, string>;
  /** sha256 of the files in the host's cache. */
  files: Set<string>;
}

/** The probe a host runs (as the ssh user); its output is read by {@link parseProbe}. */
export const PROBE_SCRIPT = [
  'echo "user $(id -un)"',
  'echo "arch $(uname -m)"',
  '. /etc/os-release 2>/dev/null || true; echo "os ${ID:-} ${ID_LIKE:-}"',
  'if sudo -n true 2>/dev/null; then echo "sudo yes"; else echo "sudo no"; fi',
  `for f in ${HOST_CACHE}/layers/*; do [ -f "$f" ] && echo "layer \${f##*/} $(cat "$f")"; done; true`,
  `ls ${HOST_CACHE}/files 2>/dev/null | sed 's/^/file /'; true`,
].join('\n');

export function parseProbe(output: string): HostProbe {
  const probe: HostProbe = { user: '', arch: '', os: '', sudo: false, layers: {}, files: new Set() };
  for (const raw of output.split('\n')) {
    const [key = '', ...rest] = raw.trim().split(/\s+/);
    const value = rest.join(' ');
    if (key === 'user' || key === 'arch' || key === 'os') probe[key] = value;
    else if (key === 'sudo') probe.sudo = value === 'yes';
    else if (key === 'layer' && rest.length === 2) probe.layers[rest[0] as string] = rest[1] as string;
    else if (key === 'file' && /^[0-9a-f]{64}$/.test(value)) probe.files.add(value);
  }
  return probe;
}

/** Whether the host runs Debian or a derivative (Ubuntu): the install scripts use apt and dpkg. */
export function isDebianLike(os: string): boolean {
  return os.split(/\s+/).some((word) => word === 'debian' || word === 'ubuntu');
}

/** The files of `inputs` the host's cache lacks, each once. */
export function missingFiles(inputs: readonly LayerInputs[], cached: ReadonlySet<string>): LayerFile[] {
  const missing = new Map<string, LayerFile>();
  for (const layer of inputs) {
    for (const f of layer.files) if (!cached.has(f.sha256)) missing.set(f.sha256, f);
  }
  return [...missing.values()];
}

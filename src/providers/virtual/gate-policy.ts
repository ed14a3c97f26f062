/**
 * What the cluster's Docker gate lets through: pure decisions on a request's method, path, query
 * and JSON body, and on the labels of the container it names. The gate (gate-server.ts) looks the
 * facts up and forwards; everything here is tested without an engine.
 *
 * The rule is an allow-list, checked against what the head's controller really does: create
 * worker containers of this cluster (its labels, its worker images, its binds, its limits, the
 * workspace network), start, stop, kill, remove, inspect and list them, exec in them, copy files
 * in and out. Anything else is refused with HTTP 403 and a sentence saying why: images, volumes,
 * networks, the engine's information, events and settings, privileged or host-namespace
 * containers, devices, extra capabilities, other host paths, other clusters' containers and the
 * gate itself. A JSON body is checked key by key (unknown keys pass only with their zero value,
 * and keys that differ from a known one only in case are refused, since the engine matches keys
 * without regard to case), and the body that goes on to the engine is the one that was checked.
 */
import { TAG } from '../provider.js';
import { NODE_CAPABILITIES, nodeBinds, type NodeFolders } from './mounts.js';

/** One worker type as the gate allows it. */
export interface GateWorkerType extends NodeFolders {
  image: string;
  /** Most CPUs and bytes of memory a container of this type may get. */
  cpus: number;
  memoryBytes: number;
}

/** Everything the gate decides from; written by `start` on the host, never read from the head. */
export interface GatePolicy {
  workspace: string;
  cluster: string;
  /** The workspace's Docker network. */
  network: string;
  /** Users an exec may run as (besides the image's default). */
  execUsers: string[];
  workerTypes: Record<string, GateWorkerType>;
}

/**
 * Oldest API version the gate passes on (major * 1000 + minor): before 1.24 the engine took a
 * HostConfig in the body of a container's start, settings the create check never saw.
 */
const OLDEST_API = 1024;

/** Node kinds the gate serves; the gate's own container has another. */
const NODE_KINDS = new Set(['head', 'worker']);

export type GateRoute =
  | { kind: 'refused'; message: string }
  /** Passed on as they are: `/_ping`, `/version`. */
  | { kind: 'engine'; path: string }
  | { kind: 'list'; prefix: string; query: URLSearchParams }
  /** `GET /networks/{id}`: only the workspace network, whose subnet and used addresses nodes are placed by. */
  | { kind: 'network'; prefix: string; id: string }
  | { kind: 'create'; prefix: string; query: URLSearchParams }
  | { kind: 'container'; prefix: string; id: string; action: string; query: URLSearchParams }
  | { kind: 'exec'; prefix: string; id: string; action: string; query: URLSearchParams };

/** Per-container calls: `METHOD action` and the query keys each may carry. */
const CONTAINER_CALLS: Record<string, string[]> = {
  'GET json': ['size'],
  'POST start': ['detachKeys'],
  'POST stop': ['t', 'signal'],
  'POST restart': ['t', 'signal'],
  'POST kill': ['signal'],
  'POST wait': ['condition'],
  'DELETE ': ['force', 'v'],
  'POST exec': [],
  'GET archive': ['path'],
  'HEAD archive': ['path'],
  'PUT archive': ['path', 'noOverwriteDirNonDir', 'copyUIDGID'],
  'POST attach': ['stream', 'stdin', 'stdout', 'stderr', 'logs', 'detachKeys'],
  'GET logs': ['follow', 'stdout', 'stderr', 'since', 'until', 'timestamps', 'tail'],
  'POST resize': ['h', 'w'],
};

const EXEC_CALLS: Record<string, string[]> = {
  'POST start': [],
  'GET json': [],
  'POST resize': ['h', 'w'],
};

/** Why whole areas of the API are closed, by first path segment. */
const CLOSED_AREAS: Record<string, string> = {
  images: 'images are managed from the host, not from the cluster',
  build: 'images are managed from the host, not from the cluster',
  commit: 'images are managed from the host, not from the cluster',
  volumes: 'volumes are not available to the cluster',
  networks: 'networks are managed from the host, not from the cluster (the workspace network may only be inspected)',
  info: "the engine's own information is not available to the cluster",
  system: "the engine's own information is not available to the cluster",
  events: "the engine's events are not available to the cluster",
  plugins: "the engine's settings are not available to the cluster",
  swarm: "the engine's settings are not available to the cluster",
};

function refused(message: string): GateRoute {
  return { kind: 'refused', message };
}

function unknownQueryKey(query: URLSearchParams, allowed: string[]): string | undefined {
  return [...query.keys()].find((k) => !allowed.includes(k));
}

function segment(raw: string): string | undefined {
  try {
    const s = decodeURIComponent(raw);
    return s === '' || s.includes('/') ? undefined : s;
  } catch {
    return undefined;
  }
}

/** Where a request goes: a route to act on, or a refusal. `url` is the request target (path and query). */
export function routeRequest(method: string, url: string): GateRoute {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const versioned = /^\/v(\d+)\.(\d+)(\/.*)$/.exec(rawPath);
  if (versioned && Number(versioned[1]) * 1000 + Number(versioned[2]) < OLDEST_API) {
    return refused(`API version ${versioned[1]}.${versioned[2]} is older than the gate accepts (1.24)`);
  }
  const prefix = versioned ? `/v${versioned[1]}.${versioned[2]}` : '';
  const path = versioned ? (versioned[3] as string) : rawPath;
  const parts = path.split('/').slice(1);
  const call = `${method} ${path}`;
  if (call === 'GET /_ping' || call === 'HEAD /_ping' || call === 'GET /version') {
    return { kind: 'engine', path: prefix + path };
  }
  if (parts[0] === 'containers') return routeContainers(method, parts, prefix, query);
  if (method === 'GET' && parts[0] === 'networks' && parts.length === 2 && [...query.keys()].length === 0) {
    const id = segment(parts[1] as string);
    if (id !== undefined) return { kind: 'network', prefix, id };
  }
  if (parts[0] === 'exec' && parts.length === 3) {
    const id = segment(parts[1] as string);
    const action = parts[2] as string;
    const allowed = EXEC_CALLS[`${method} ${action}`];
    if (id === undefined || allowed === undefined) return refused(`${method} ${path} is not allowed through the gate`);
    const bad = unknownQueryKey(query, allowed);
    if (bad !== undefined) return refused(`query parameter ${bad} is not allowed on ${method} ${path}`);
    return { kind: 'exec', prefix, id, action, query };
  }
  const area = CLOSED_AREAS[parts[0] ?? ''];
  return refused(area ?? `${method} ${path} is not allowed through the gate`);
}

function routeContainers(method: string, parts: string[], prefix: string, query: URLSearchParams): GateRoute {
  const path = `/${parts.join('/')}`;
  if (parts.length === 2 && (parts[1] === 'json' || parts[1] === 'create')) {
    const list = parts[1] === 'json';
    if (method !== (list ? 'GET' : 'POST')) return refused(`${method} ${path} is not allowed through the gate`);
    const bad = unknownQueryKey(query, list ? ['all', 'limit', 'size', 'filters'] : ['name']);
    if (bad !== undefined) return refused(`query parameter ${bad} is not allowed on ${method} ${path}`);
    return { kind: list ? 'list' : 'create', prefix, query };
  }
  if (parts.length < 2 || parts.length > 3) return refused(`${method} ${path} is not allowed through the gate`);
  const id = segment(parts[1] as string);
  const action = parts[2] ?? '';
  const allowed = CONTAINER_CALLS[`${method} ${action}`];
  if (id === undefined || allowed === undefined) {
    return refused(`${method} /containers/{id}${action ? `/${action}` : ''} is not allowed through the gate`);
  }
  const bad = unknownQueryKey(query, allowed);
  if (bad !== undefined) return refused(`query parameter ${bad} is not allowed on ${method} ${path}`);
  return { kind: 'container', prefix, id, action, query };
}

/** Undefined when a network inspect names the policy's workspace network (by name), else why not. */
export function networkRefusal(policy: GatePolicy, id: string): string | undefined {
  if (id === policy.network) return undefined;
  return `network ${id} is not the workspace network ${policy.network}: only that one may be inspected`;
}

/** Undefined when a container with these labels is a node of the policy's cluster, else why not. */
export function containerRefusal(policy: GatePolicy, name: string, labels: Record<string, string>): string | undefined {
  if (labels[TAG.workspace] !== policy.workspace || labels[TAG.cluster] !== policy.cluster) {
    return `container ${name} is not a node of cluster ${policy.cluster}`;
  }
  if (!NODE_KINDS.has(labels[TAG.nodeKind] ?? '')) return `container ${name} is not a node the gate serves`;
  return undefined;
}

/** The `filters` of a container list, narrowed to the policy's cluster whatever the caller asked. */
export function scopedFilters(policy: GatePolicy, raw: string | null): string {
  let filters: Record<string, unknown> = {};
  if (raw !== null && raw !== '') {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      filters = parsed as Record<string, unknown>;
  }
  const given = filters.label;
  // The engine takes each filter as a list or as a map of value to true.
  const labels = Array.isArray(given)
    ? given.map(String)
    : typeof given === 'object' && given !== null
      ? Object.keys(given)
      : [];
  labels.push(`${TAG.workspace}=${policy.workspace}`, `${TAG.cluster}=${policy.cluster}`);
  return JSON.stringify({ ...filters, label: labels });
}

/** Whether a listed container is one the gate shows (its labels checked again on the way out). */
export function listedInScope(policy: GatePolicy, summary: { Labels?: Record<string, string> | null }): boolean {
  return containerRefusal(policy, '', summary.Labels ?? {}) === undefined;
}

/**
 * Zero values (what an unset field serialises to): null, false, 0, '', [], {}, and a struct of
 * such scalars (`{"Name": "", "MaximumRetryCount": 0}`). An object holding objects is a map
 * whose keys say something (`{"/data": {}}` asks for a volume), so it is not zero.
 */
export function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') {
    return Object.values(v as Record<string, unknown>).every((x) => (x === null || typeof x !== 'object') && isZero(x));
  }
  return false;
}

/** Keys of a JSON object the gate treats specially; any other key passes only with its zero value. */
interface KeyRules {
  /** Keys with any value. */
  free: string[];
  /** Keys the caller checks itself. */
  checked: string[];
  /** Keys refused unless zero, with the reason. */
  reasons: Record<string, string>;
  where: string;
}

/** The first key of `obj` the rules refuse, as a sentence. */
function keyRefusal(obj: Record<string, unknown>, rules: KeyRules): string | undefined {
  const known = [...rules.free, ...rules.checked, ...Object.keys(rules.reasons)];
  const lower = new Map(known.map((k) => [k.toLowerCase(), k]));
  for (const [key, value] of Object.entries(obj)) {
    if (rules.free.includes(key) || rules.checked.includes(key)) continue;
    const like = lower.get(key.toLowerCase());
    if (like !== undefined && like !== key) return `${rules.where}${key} is refused (did you mean ${like}?)`;
    if (isZero(value)) continue;
    const reason = rules.reasons[key];
    return reason
      ? `${reason} are refused (${rules.where}${key})`
      : `${rules.where}${key} is not allowed through the gate`;
  }
  return undefined;
}

/** A JSON value as it shows in a message. */
function shown(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'nothing');
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

const CREATE_KEYS: KeyRules = {
  where: '',
  free: [
    'Hostname',
    'Domainname',
    'User',
    'Cmd',
    'Entrypoint',
    'Env',
    'WorkingDir',
    'Tty',
    'OpenStdin',
    'StdinOnce',
    'AttachStdin',
    'AttachStdout',
    'AttachStderr',
    'StopSignal',
    'StopTimeout',
    'Healthcheck',
    'ExposedPorts',
    'ArgsEscaped',
    'NetworkDisabled',
    'MacAddress',
    'Shell',
  ],
  checked: ['Image', 'Labels', 'HostConfig', 'NetworkingConfig'],
  reasons: { Volumes: 'volumes' },
};

const HOST_CONFIG_KEYS: KeyRules = {
  where: 'HostConfig.',
  free: [
    'Init',
    'CapDrop',
    'AutoRemove',
    'ReadonlyRootfs',
    'Tmpfs',
    'Dns',
    'DnsOptions',
    'DnsSearch',
    'ExtraHosts',
    'GroupAdd',
    'ConsoleSize',
    'PidsLimit',
    'ShmSize',
  ],
  checked: [
    'Binds',
    'NetworkMode',
    'NanoCpus',
    'Memory',
    'MemorySwap',
    'CapAdd',
    'IpcMode',
    'RestartPolicy',
    'LogConfig',
    'OomScoreAdj',
  ],
  reasons: {
    Privileged: 'privileged containers',
    Devices: 'devices',
    DeviceRequests: 'devices',
    DeviceCgroupRules: 'devices',
    PidMode: 'host or shared namespaces',
    UTSMode: 'host or shared namespaces',
    UsernsMode: 'host or shared namespaces',
    CgroupnsMode: 'host or shared namespaces',
    Cgroup: 'host or shared namespaces',
    Mounts: 'mounts other than the configured binds',
    VolumesFrom: 'volumes',
    VolumeDriver: 'volumes',
    PortBindings: 'ports published on the host',
    PublishAllPorts: 'ports published on the host',
    SecurityOpt: 'security options',
    Sysctls: 'kernel settings',
    CgroupParent: 'other cgroup placements',
    Runtime: 'other container runtimes',
    Links: 'links to other containers',
  },
};

const RESTART_POLICIES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);
const LOG_DRIVERS = new Set(['', 'json-file', 'local', 'none']);

/** The name a node of this cluster gets (see the provider's node names). */
function nodeNameRefusal(policy: GatePolicy, name: string | null): string | undefined {
  const expected = `${policy.workspace}-${policy.cluster}-`;
  if (name !== null && name.startsWith(expected) && /^[0-9a-f]{8}$/.test(name.slice(expected.length))) return undefined;
  return `a new container must be named ${expected}<8 hex digits>, not ${name ?? '(no name)'}`;
}

/**
 * Undefined when `body` (a `POST /containers/create` with `?name=name`) creates a worker of the
 * policy's cluster exactly as the controller does, else the first reason it does not.
 */
export function createRefusal(policy: GatePolicy, name: string | null, body: unknown): string | undefined {
  const spec = asObject(body);
  if (!spec) return 'the create request must be a JSON object';
  // What a container may do goes first: those refusals say the most.
  const keys = keyRefusal(spec, CREATE_KEYS) ?? keyRefusal(asObject(spec.HostConfig) ?? {}, HOST_CONFIG_KEYS);
  if (keys) return keys;
  const nameProblem = nodeNameRefusal(policy, name);
  if (nameProblem) return nameProblem;
  const labels = (asObject(spec.Labels) ?? {}) as Record<string, string>;
  if (labels[TAG.workspace] !== policy.workspace || labels[TAG.cluster] !== policy.cluster) {
    return `a new container must carry the labels ${TAG.workspace}=${policy.workspace} and ${TAG.cluster}=${policy.cluster}`;
  }
  if (labels[TAG.nodeKind] !== 'worker') return `only workers are created through the gate (${TAG.nodeKind}=worker)`;
  const typeName = labels[TAG.nodeType] ?? '';
  const type = Object.hasOwn(policy.workerTypes, typeName) ? policy.workerTypes[typeName] : undefined;
  if (!type) return `${typeName || '(no node type)'} is not a worker type of cluster ${policy.cluster}`;
  if (spec.Image !== type.image) return `image ${String(spec.Image)} is not the image of ${typeName} (${type.image})`;
  const net = asObject(asObject(spec.NetworkingConfig)?.EndpointsConfig) ?? {};
  const otherNet = Object.keys(net).find((n) => n !== policy.network);
  if (otherNet !== undefined) return `network ${otherNet} is not the workspace network ${policy.network}`;
  return hostConfigRefusal(policy, name as string, type, asObject(spec.HostConfig) ?? {});
}

function hostConfigRefusal(
  policy: GatePolicy,
  name: string,
  type: GateWorkerType,
  hc: Record<string, unknown>,
): string | undefined {
  if (hc.NetworkMode !== policy.network) {
    return `HostConfig.NetworkMode must be the workspace network ${policy.network}, not ${shown(hc.NetworkMode || '(default)')}`;
  }
  if (!['', 'private', 'none', undefined].includes(hc.IpcMode as string)) {
    return `host or shared namespaces are refused (HostConfig.IpcMode ${String(hc.IpcMode)})`;
  }
  const caps = Array.isArray(hc.CapAdd) ? hc.CapAdd.map(String) : [];
  const extraCap = caps.find((c) => !NODE_CAPABILITIES.includes(c.replace(/^CAP_/i, '').toUpperCase()));
  if (extraCap !== undefined) return `capabilities beyond ${NODE_CAPABILITIES.join(', ')} are refused (${extraCap})`;
  const allowed = new Set(nodeBinds(name, type).binds);
  const binds = Array.isArray(hc.Binds) ? hc.Binds.map(String) : [];
  const foreign = binds.find((b) => !allowed.has(b));
  if (foreign !== undefined) {
    return `host path ${foreign.split(':')[0]} is not one of the cluster's own folders (HostConfig.Binds ${foreign})`;
  }
  return limitsRefusal(type, hc);
}

function limitsRefusal(type: GateWorkerType, hc: Record<string, unknown>): string | undefined {
  const memory = Number(hc.Memory ?? 0);
  const cpus = Number(hc.NanoCpus ?? 0);
  if (!(memory > 0 && memory <= type.memoryBytes)) {
    return `HostConfig.Memory must be set, at most ${type.memoryBytes} bytes (got ${shown(hc.Memory ?? 0)})`;
  }
  if (!(cpus > 0 && cpus <= Math.round(type.cpus * 1e9))) {
    return `HostConfig.NanoCpus must be set, at most ${Math.round(type.cpus * 1e9)} (got ${shown(hc.NanoCpus ?? 0)})`;
  }
  if (!isZero(hc.MemorySwap) && hc.MemorySwap !== memory) return 'HostConfig.MemorySwap must equal HostConfig.Memory';
  if (Number(hc.OomScoreAdj ?? 0) < 0) return 'a negative HostConfig.OomScoreAdj is refused';
  const restart = shown(asObject(hc.RestartPolicy)?.Name ?? '');
  if (!RESTART_POLICIES.has(restart)) return `restart policy ${restart} is not allowed`;
  const log = shown(asObject(hc.LogConfig)?.Type ?? '');
  if (!LOG_DRIVERS.has(log)) return `log driver ${log} is not allowed`;
  return undefined;
}

const EXEC_KEYS: KeyRules = {
  where: '',
  free: ['AttachStdin', 'AttachStdout', 'AttachStderr', 'DetachKeys', 'Tty', 'Env', 'Cmd', 'WorkingDir', 'ConsoleSize'],
  checked: ['User'],
  reasons: { Privileged: 'privileged execs' },
};

/** Undefined when an exec body (`POST /containers/{id}/exec`) is one the gate lets through, else why not. */
export function execRefusal(policy: GatePolicy, body: unknown): string | undefined {
  const spec = asObject(body);
  if (!spec) return 'the exec request must be a JSON object';
  const keys = keyRefusal(spec, EXEC_KEYS);
  if (keys) return keys;
  const user = typeof spec.User === 'string' ? spec.User : '';
  if (user !== '' && !policy.execUsers.includes(user)) {
    return `exec as ${user} is refused (allowed: ${policy.execUsers.join(', ')})`;
  }
  return undefined;
}

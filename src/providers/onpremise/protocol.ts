/**
 * The host-pool service's protocol, shared by the service (pool/) and its client (client.ts).
 * CloudTik's cloud simulator speaks it first: one request per call, `{"type": <method>, "args":
 * [...]}` as a JSON body sent to any path, the method's return value as the JSON reply. Beyond
 * CloudTik: a fixed list of methods (CloudTik called any attribute of its scheduler), a bearer
 * token, POST as well as GET, and errors as `{"error": {"code", "message"}}` with a 4xx/5xx status
 * (CloudTik dropped the connection).
 */

/** The port CloudTik's simulator listens on unless told otherwise. */
export const DEFAULT_POOL_PORT = 8282;

/** The header carrying the token: `Authorization: Bearer <token>`. */
export const AUTH_SCHEME = 'Bearer';

export type PoolHostState = 'running' | 'terminated';

/** One host of the pool, as the state file keeps it and `list_nodes` / `describe_node` return it (CloudTik's shape). */
export interface PoolHost {
  /** The id: the address as listed in the pool's file. */
  name: string;
  ip: string;
  external_ip?: string;
  instance_type: string;
  state: PoolHostState;
  /** The cluster's tags while the host is a node (workspace and cluster names among them); `{}` when free. */
  tags: Record<string, string>;
  /**
   * On a free host given back while it did not answer: whose services may still run there. It is
   * handed out after every host that answered.
   */
  unanswered?: { cluster: string; workspace: string; since: number };
}

/** An instance type of the pool file (CloudTik's keys). `memory` is bytes or a size like `4G`. */
export interface PoolInstanceType {
  CPU: number;
  memory?: number | string;
  GPU?: number;
}

/** What `status` returns: the pool as its service sees it. */
export interface PoolStatus {
  config: string;
  address: string;
  instance_types: Record<string, PoolInstanceType>;
  hosts: PoolHost[];
  workspaces: string[];
  /** Free hosts per instance type (0 for a type with none free). */
  free: Record<string, number>;
  /** Refused launches since the service started: what was asked, when, why. */
  refused: Array<{ at: number; instance_type: string; count: number; free: number; cluster: string }>;
}

/**
 * The methods and their arguments. `create_node` returns the ids it took (CloudTik returned null:
 * its clients ignore the value). `terminate_nodes` takes, beyond CloudTik, the hosts among them
 * that did not answer. `reload` re-reads the service's own file; a path, if given, must be that file.
 */
export interface PoolMethods {
  list_nodes: { args: [workspace: string, tagFilters: Record<string, string>]; result: PoolHost[] };
  describe_node: { args: [id: string]; result: PoolHost | null };
  create_node: {
    args: [nodeConfig: { instance_type?: string }, tags: Record<string, string>, count: number];
    result: string[];
  };
  set_node_tags: { args: [id: string, tags: Record<string, string>]; result: null };
  terminate_node: { args: [id: string]; result: null };
  /**
   * With `cluster` and `workspace` (beyond CloudTik), only hosts of that cluster are given back;
   * the others among `ids` are left alone (a host given back already may serve another cluster now).
   */
  terminate_nodes: {
    args: [ids: string[], options?: { unanswered?: string[]; cluster?: string; workspace?: string }];
    result: null;
  };
  /** The free hosts a worker launch of an instance type would take next, in that order (not reserved). */
  free_nodes: { args: [instanceType: string]; result: string[] };
  /** Free hosts that a cluster gave back while they did not answer. */
  unanswered_nodes: { args: [workspace: string, cluster: string]; result: string[] };
  /** Marks removed: those hosts answered and the cluster's services there are stopped. */
  clear_unanswered: { args: [ids: string[]]; result: null };
  get_instance_types: { args: []; result: Record<string, PoolInstanceType> };
  reload: { args: [configPath?: string]; result: null };
  create_workspace: { args: [name: string]; result: { name: string } };
  delete_workspace: { args: [name: string]; result: { name: string } };
  get_workspace: { args: [name: string]; result: { name: string } | null };
  list_workspaces: { args: []; result: Array<{ name: string }> };
  status: { args: []; result: PoolStatus };
  shutdown: { args: []; result: null };
}

export type PoolMethod = keyof PoolMethods;

export const POOL_METHODS: readonly PoolMethod[] = [
  'list_nodes',
  'describe_node',
  'create_node',
  'set_node_tags',
  'terminate_node',
  'terminate_nodes',
  'free_nodes',
  'unanswered_nodes',
  'clear_unanswered',
  'get_instance_types',
  'reload',
  'create_workspace',
  'delete_workspace',
  'get_workspace',
  'list_workspaces',
  'status',
  'shutdown',
];

/**
 * Error codes of a refused call, with their HTTP status: a request that does not parse or names no
 * known method (400), no or a wrong token (401), an unknown host or workspace (404), a conflict
 * with the pool's state (409: not enough free hosts, a workspace that exists or still has
 * clusters, a host not running), anything else (500).
 */
export const POOL_ERRORS = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  no_capacity: 409,
  conflict: 409,
  internal: 500,
} as const;

export type PoolErrorCode = keyof typeof POOL_ERRORS;

export interface PoolErrorBody {
  error: { code: PoolErrorCode; message: string };
}

/** Where a running service says it is: the process file (mode 0600) beside the pool's state. */
export interface PoolProcessFile {
  pid: number;
  bind_address: string;
  port: number;
  /** The pool file it serves (absolute). */
  config: string;
}

/** A process file's text, or undefined when it is not one (half written, damaged). */
export function parseProcessFile(text: string): PoolProcessFile | undefined {
  try {
    const info = JSON.parse(text) as PoolProcessFile;
    return Number.isInteger(info.pid) && typeof info.bind_address === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

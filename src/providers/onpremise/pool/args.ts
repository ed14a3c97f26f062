/**
 * The arguments each method of the host-pool service takes, checked before it runs: a call that
 * does not match is refused with `bad_request` and says which argument is wrong.
 */
import { isPlainObject } from '../../../config/merge.js';
import type { PoolMethod } from '../protocol.js';

/** Why a value is not acceptable, or `undefined` when it is. */
type Check = (value: unknown) => string | undefined;

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

const text =
  (name: string): Check =>
  (v) =>
    isText(v) ? undefined : `${name} must be a non-empty string`;

const tags =
  (name: string): Check =>
  (v) =>
    isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string')
      ? undefined
      : `${name} must be an object of string values`;

const ids =
  (name: string): Check =>
  (v) =>
    Array.isArray(v) && v.every(isText) ? undefined : `${name} must be a list of host ids`;

/** `check`, or nothing given (`undefined` or JSON's `null`). */
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || v === null ? undefined : check(v);

const nodeConfig: Check = (v) =>
  isPlainObject(v) && isText(v.instance_type) ? undefined : 'node_config must be an object naming its instance_type';

const count: Check = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? undefined : 'count must be a whole number of at least 0';

const terminateOptions: Check = (v) => {
  if (!isPlainObject(v)) return 'options must be an object: {unanswered?, cluster?, workspace?}';
  const problem =
    optional(ids('options.unanswered'))(v.unanswered) ??
    optional(text('options.cluster'))(v.cluster) ??
    optional(text('options.workspace'))(v.workspace);
  if (problem !== undefined) return problem;
  return (v.cluster === undefined) === (v.workspace === undefined)
    ? undefined
    : 'options.cluster and options.workspace go together';
};

const CHECKS: Record<PoolMethod, readonly Check[]> = {
  list_nodes: [text('workspace'), tags('tag_filters')],
  describe_node: [text('node id')],
  create_node: [nodeConfig, tags('tags'), count],
  set_node_tags: [text('node id'), tags('tags')],
  terminate_node: [text('node id')],
  terminate_nodes: [ids('node ids'), optional(terminateOptions)],
  free_nodes: [text('instance type')],
  unanswered_nodes: [text('workspace'), text('cluster')],
  clear_unanswered: [ids('node ids')],
  get_instance_types: [],
  reload: [optional(text('config path'))],
  create_workspace: [text('workspace')],
  delete_workspace: [text('workspace')],
  get_workspace: [text('workspace')],
  list_workspaces: [],
  status: [],
  shutdown: [],
};

/** Why `args` do not fit `method`, or `undefined` when they do. */
export function argsProblem(method: PoolMethod, args: readonly unknown[]): string | undefined {
  const checks = CHECKS[method];
  if (args.length > checks.length) {
    return `${method} takes at most ${checks.length} argument(s), ${args.length} given`;
  }
  for (const [i, check] of checks.entries()) {
    const problem = check(args[i]);
    if (problem !== undefined) return `${method}: argument ${i + 1}: ${problem}`;
  }
  return undefined;
}

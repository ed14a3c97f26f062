/**
 * The pool file of the host-pool service, in CloudTik's shape (its cloud simulator's config):
 * `instance_types: {<name>: {CPU, memory, GPU?}}`, `nodes: [{ip, instance_type, external_ip?}]`
 * and an optional `use_internal_ips`. Every error found is reported at once, each with its
 * `file:line:col` and key, so a pool file is fixed in one pass.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../../config/issues.js';
import { isPlainObject, type PlainObject } from '../../../config/merge.js';
import { parseMemory } from '../../../core/units.js';
import { closestMatch } from '../../../config/suggest.js';
import type { ConfigIssue } from '../../../config/types.js';
import { formatPath, parseYamlSource, positionOf, type KeyPath, type YamlSource } from '../../../config/yaml-source.js';
import { CloudtikError } from '../../../core/errors.js';
import type { ListedHost } from '../../local/hosts.js';
import type { PoolInstanceType } from '../protocol.js';

export interface PoolConfig {
  /** The pool file, absolute: the only file `reload` reads. */
  file: string;
  /** The instance types as the file writes them (`get_instance_types` returns them unchanged). */
  instanceTypes: Record<string, PoolInstanceType>;
  /** The hosts in file order; the id of a host is its `ip` as written. */
  hosts: ListedHost[];
  /** When false (the default), a head launch takes a host with an `external_ip` first. */
  useInternalIps: boolean;
  /** What is allowed but probably not meant (`file:line:col key: message`). */
  warnings: string[];
}

const EXAMPLE = 'instance_types: {small: {CPU: 4, memory: 8G}} and nodes: [{ip: 10.0.0.1, instance_type: small}]';

/** Collects issues of one pool file, each at the nearest position the file has for its key. */
class PoolIssues {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(private readonly source: YamlSource) {}

  error(key: KeyPath, message: string, hint?: string, at: 'key' | 'value' = 'value'): void {
    this.errors.push(this.issue('error', key, message, hint, at));
  }

  warning(key: KeyPath, message: string, hint?: string): void {
    this.warnings.push(this.issue('warning', key, message, hint, 'value'));
  }

  private issue(
    severity: ConfigIssue['severity'],
    key: KeyPath,
    message: string,
    hint: string | undefined,
    at: 'key' | 'value',
  ): ConfigIssue {
    let pos = positionOf(this.source, key, at);
    for (let up = key.length - 1; pos === undefined && up > 0; up--) pos = positionOf(this.source, key.slice(0, up));
    const issue: ConfigIssue = {
      severity,
      file: this.source.file,
      line: pos?.line ?? 1,
      col: pos?.col ?? 1,
      path: formatPath(key),
      message,
    };
    if (hint !== undefined) issue.hint = hint;
    return issue;
  }
}

function isCount(value: unknown, least: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= least;
}

/** One instance type, checked; `undefined` when it cannot be used. */
function instanceType(name: string, value: unknown, issues: PoolIssues): PoolInstanceType | undefined {
  const key = ['instance_types', name];
  if (!isPlainObject(value)) {
    issues.error(key, 'an instance type is a map with CPU and memory', `for example ${name}: {CPU: 4, memory: 8G}`);
    return undefined;
  }
  let ok = true;
  if (value.CPU === undefined) {
    const docsShape = isPlainObject(value.resources)
      ? "; CloudTik's docs nest them under resources, which it never read"
      : '';
    issues.error(
      key,
      'no CPU',
      `give the hosts' CPU count at the top of the type: {CPU: 4, memory: 8G}${docsShape}`,
      'key',
    );
    ok = false;
  } else if (!isCount(value.CPU, 1)) {
    issues.error([...key, 'CPU'], `CPU must be a whole number of at least 1, not ${JSON.stringify(value.CPU)}`);
    ok = false;
  }
  if (value.GPU !== undefined && !isCount(value.GPU, 0)) {
    issues.error([...key, 'GPU'], `GPU must be a whole number of at least 0, not ${JSON.stringify(value.GPU)}`);
    ok = false;
  }
  if (value.memory === undefined) {
    issues.warning(
      key,
      'no memory: clusters see hosts of this type with 0 bytes of memory',
      'add memory: 8G (or bytes)',
    );
  } else {
    const problem = memoryProblem(value.memory);
    if (problem !== undefined)
      issues.error([...key, 'memory'], problem, 'write bytes or a size such as 8G, 512M, 1.5T');
    ok &&= problem === undefined;
  }
  if (!ok) return undefined;
  const type: PoolInstanceType = { CPU: value.CPU as number };
  if (value.memory !== undefined) type.memory = value.memory as string | number;
  if (value.GPU !== undefined) type.GPU = value.GPU as number;
  return type;
}

/** Why `value` is not a memory size, or `undefined` when it is one. */
function memoryProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return `invalid memory size ${JSON.stringify(value)}`;
  try {
    parseMemory(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function instanceTypes(data: PlainObject, issues: PoolIssues): Record<string, PoolInstanceType> {
  if (data.instance_types === undefined || data.instance_types === null) {
    issues.warning(['instance_types'], 'no instance_types: no host can be given out', `define them: ${EXAMPLE}`);
    return {};
  }
  if (!isPlainObject(data.instance_types)) {
    issues.error(['instance_types'], 'instance_types must be a map of name to {CPU, memory, GPU?}', EXAMPLE);
    return {};
  }
  const types: Record<string, PoolInstanceType> = {};
  for (const [name, value] of Object.entries(data.instance_types)) {
    const type = instanceType(name, value, issues);
    if (type) types[name] = type;
  }
  return types;
}

function typeOfHost(node: PlainObject, key: KeyPath, defined: string[], issues: PoolIssues): string | undefined {
  const list = defined.length > 0 ? defined.join(', ') : 'none';
  if (typeof node.instance_type !== 'string' || node.instance_type === '') {
    issues.error([...key, 'instance_type'], `missing (defined: ${list})`, 'give each host one of the defined types');
    return undefined;
  }
  if (!defined.includes(node.instance_type)) {
    const match = closestMatch(node.instance_type, defined);
    issues.error(
      [...key, 'instance_type'],
      `'${node.instance_type}' is not a defined instance type (defined: ${list})`,
      match ? `did you mean '${match}'?` : 'define it under instance_types with CPU and memory',
    );
    return undefined;
  }
  return node.instance_type;
}

/** One host entry, checked; `undefined` when it cannot be used. */
function host(
  node: unknown,
  index: number,
  defined: string[],
  seen: Map<string, number>,
  issues: PoolIssues,
): ListedHost | undefined {
  const key = ['nodes', index];
  if (!isPlainObject(node)) {
    issues.error(
      key,
      'a host is a map: {ip, instance_type, external_ip?}',
      'for example {ip: 10.0.0.1, instance_type: small}',
    );
    return undefined;
  }
  const ip = typeof node.ip === 'string' ? node.ip.trim() : '';
  if (ip === '') issues.error([...key, 'ip'], 'no ip', "give the host's address or name: ip: 10.0.0.1", 'key');
  const first = seen.get(ip.toLowerCase());
  if (ip !== '' && first !== undefined) {
    issues.error([...key, 'ip'], `host '${ip}' is listed twice (first as nodes[${first}])`, 'list each host once');
  } else if (ip !== '') seen.set(ip.toLowerCase(), index);
  const type = typeOfHost(node, key, defined, issues);
  const external = node.external_ip;
  if (external !== undefined && (typeof external !== 'string' || external.trim() === '')) {
    issues.error(
      [...key, 'external_ip'],
      'external_ip must be an address or host name',
      'remove it or give an address',
    );
    return undefined;
  }
  if (ip === '' || first !== undefined || type === undefined) return undefined;
  return external === undefined ? { ip, instanceType: type } : { ip, instanceType: type, externalIp: external.trim() };
}

function hosts(data: PlainObject, defined: string[], issues: PoolIssues): ListedHost[] {
  if (data.nodes === undefined || data.nodes === null) {
    issues.error(['nodes'], 'no nodes: the pool file lists its hosts under nodes', `for example ${EXAMPLE}`);
    return [];
  }
  if (!Array.isArray(data.nodes)) {
    issues.error(['nodes'], 'nodes must be a list of {ip, instance_type, external_ip?}', `for example ${EXAMPLE}`);
    return [];
  }
  if (data.nodes.length === 0) issues.warning(['nodes'], 'no hosts: every launch will be refused');
  const seen = new Map<string, number>();
  return data.nodes.flatMap((node, i) => host(node, i, defined, seen, issues) ?? []);
}

function formatWarning(issue: ConfigIssue): string {
  const head = `${issue.file}:${issue.line ?? 1}:${issue.col ?? 1} ${issue.path}: ${issue.message}`;
  return issue.hint === undefined ? head : `${head} (${issue.hint})`;
}

/**
 * The pool file's text, checked. `file` names it in messages; `absolute` is where it is read from.
 * Throws a `ConfigError` listing every problem with its position.
 */
export function parsePoolConfig(text: string, file: string, absolute = path.resolve(file)): PoolConfig {
  const { source, issues: syntax } = parseYamlSource(text, file);
  const yamlErrors = syntax.filter((i) => i.severity === 'error');
  if (yamlErrors.length > 0) throw new ConfigError(yamlErrors);
  const issues = new PoolIssues(source);
  const data = isPlainObject(source.data) ? source.data : undefined;
  if (!data) {
    const issue = {
      severity: 'error' as const,
      file,
      line: 1,
      col: 1,
      path: '',
      message: 'the pool file is empty or not a map',
    };
    throw new ConfigError([{ ...issue, hint: `it holds ${EXAMPLE}` }]);
  }
  const types = instanceTypes(data, issues);
  const listed = hosts(data, Object.keys(isPlainObject(data.instance_types) ? data.instance_types : {}), issues);
  const internal = data.use_internal_ips;
  if (internal !== undefined && typeof internal !== 'boolean') {
    issues.error(['use_internal_ips'], `must be true or false, not ${JSON.stringify(internal)}`);
  }
  if (issues.errors.length > 0) throw new ConfigError(issues.errors, issues.warnings);
  return {
    file: absolute,
    instanceTypes: types,
    hosts: listed,
    useInternalIps: internal === true,
    warnings: [...syntax.filter((i) => i.severity === 'warning'), ...issues.warnings].map(formatWarning),
  };
}

/** Reads and checks the pool file at `file` (named as given in messages). */
export async function loadPoolConfig(file: string): Promise<PoolConfig> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `cannot read the pool file ${file}: ${(err as Error).message}`, {
      hint: `the pool file lists the hosts to hand out: ${EXAMPLE}`,
      cause: err,
    });
  }
  return parsePoolConfig(text, file);
}

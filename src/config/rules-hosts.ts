import type { IssueCollector } from './issues.js';
import { isPlainObject, type PlainObject } from './merge.js';
import { closestMatch } from './suggest.js';

/** An instance type name a config may use without defining it: it means "the size of this machine". */
export const IMPLICIT_INSTANCE_TYPE = 'default';

/** Whether an address or host name points back at the machine it is used on. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0.0.0.0' || /^127\./.test(h);
}

function definedInstanceTypes(provider: PlainObject): string[] {
  return isPlainObject(provider.instance_types) ? Object.keys(provider.instance_types) : [];
}

/** Where a config's instance types come from: its own provider section, or (onpremise) the host pool. */
interface InstanceTypeSource {
  defined: string[];
  /** The name that means "the size of this machine", where there is one. */
  implicit?: string;
  where: string;
  hint: string;
}

function instanceTypeSource(provider: PlainObject): InstanceTypeSource {
  const defined = definedInstanceTypes(provider);
  if (provider.type === 'onpremise') {
    const address =
      typeof provider.cloud_simulator_address === 'string' ? ` at ${provider.cloud_simulator_address}` : '';
    return {
      defined,
      where: `the host pool${address} (it has: ${defined.join(', ') || 'none'})`,
      hint: "name one of the pool's instance types, or define this one in the pool's file and run cloudtik simulator --reload",
    };
  }
  return {
    defined,
    implicit: IMPLICIT_INSTANCE_TYPE,
    where: 'provider.instance_types',
    hint: 'define it under provider.instance_types with CPU and memory',
  };
}

function checkInstanceTypeName(
  name: unknown,
  path: Array<string | number>,
  source: InstanceTypeSource,
  issues: IssueCollector,
): void {
  if (typeof name !== 'string' || name === source.implicit || source.defined.includes(name)) return;
  const match = closestMatch(name, source.defined);
  issues.error(path, `instance type '${name}' is not defined in ${source.where}`, {
    hint: match ? `did you mean '${match}'?` : source.hint,
  });
}

/** Instance types named by node types and by listed hosts exist in `provider.instance_types` (or the host pool). */
export function checkInstanceTypeNames(config: PlainObject, issues: IssueCollector): void {
  const provider = isPlainObject(config.provider) ? config.provider : {};
  const source = instanceTypeSource(provider);
  const types = isPlainObject(config.available_node_types) ? config.available_node_types : {};
  for (const [name, nodeType] of Object.entries(types)) {
    if (!isPlainObject(nodeType) || !isPlainObject(nodeType.node_config)) continue;
    const path = ['available_node_types', name, 'node_config', 'instance_type'];
    checkInstanceTypeName(nodeType.node_config.instance_type, path, source, issues);
  }
  const nodes = Array.isArray(provider.nodes) ? provider.nodes : [];
  nodes.forEach((node, i) => {
    if (isPlainObject(node))
      checkInstanceTypeName(node.instance_type, ['provider', 'nodes', i, 'instance_type'], source, issues);
  });
}

const LOOPBACK_HINT =
  'list the address the hosts reach each other at; a loopback address names a different machine on each host';

/**
 * Listed hosts (`provider.nodes`) of the local provider: each host once, none a loopback address
 * (the head's address is given to the workers, and CloudTik's habit of treating `localhost` and
 * `127.0.0.1` as two hosts allocated one machine twice).
 */
export function checkListedHosts(config: PlainObject, issues: IssueCollector): void {
  const provider = isPlainObject(config.provider) ? config.provider : {};
  if (provider.type !== 'local') return;
  const seen = new Map<string, number>();
  const nodes = Array.isArray(provider.nodes) ? provider.nodes : [];
  nodes.forEach((node, i) => {
    if (!isPlainObject(node) || typeof node.ip !== 'string') return;
    const ip = node.ip.trim().toLowerCase();
    const path = ['provider', 'nodes', i, 'ip'];
    if (isLoopback(ip)) issues.error(path, `'${node.ip}' is a loopback address`, { hint: LOOPBACK_HINT });
    const first = seen.get(ip);
    if (first !== undefined) {
      issues.error(path, `host '${node.ip}' is listed twice (first as provider.nodes[${first}])`, {
        hint: 'list each host once',
      });
    } else seen.set(ip, i);
  });
  if (typeof provider.local_ip === 'string' && isLoopback(provider.local_ip)) {
    issues.error(['provider', 'local_ip'], `'${provider.local_ip}' is a loopback address`, { hint: LOOPBACK_HINT });
  }
}

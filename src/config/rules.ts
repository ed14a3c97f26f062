import { existsSync } from 'node:fs';
import { isPythonWheel } from './built-in-commands.js';
import type { IssueCollector } from './issues.js';
import { isPlainObject, type PlainObject } from './merge.js';
import { resolveLocalPath } from './prepare.js';
import { knownRuntimes } from './runtime-registry.js';
import { loadSchema } from './schema-check.js';
import { checkInstanceTypeNames, checkListedHosts } from './rules-hosts.js';
import { closestMatch } from './suggest.js';
import { hasPath, type KeyPath } from './yaml-source.js';

const NODE_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface RuleContext {
  issues: IssueCollector;
  /** Folder of the user's file: relative `file_mounts` sources are resolved against it. */
  baseDir: string;
}

function nodeTypesOf(config: PlainObject): Array<[string, PlainObject]> {
  const types = config.available_node_types;
  if (!isPlainObject(types)) return [];
  return Object.entries(types).filter((entry): entry is [string, PlainObject] => isPlainObject(entry[1]));
}

function numberAt(value: PlainObject, key: string): number {
  const n = value[key];
  return typeof n === 'number' ? n : 0;
}

function checkHeadType(config: PlainObject, { issues }: RuleContext): void {
  const names = nodeTypesOf(config).map(([name]) => name);
  const head = config.head_node_type;
  if (typeof head !== 'string' || names.includes(head)) return;
  const match = closestMatch(head, names);
  issues.error(['head_node_type'], `'${head}' is not one of available_node_types`, {
    hint: match ? `did you mean '${match}'?` : `node types: ${names.join(', ')}`,
  });
}

function checkWorkerCounts(config: PlainObject, { issues }: RuleContext): void {
  let sumMin = 0;
  let firstWithMin: string | undefined;
  for (const [name, nodeType] of nodeTypesOf(config)) {
    const min = numberAt(nodeType, 'min_workers');
    const max = numberAt(nodeType, 'max_workers');
    sumMin += min;
    if (min > 0 && firstWithMin === undefined) firstWithMin = name;
    if (!NODE_TYPE_NAME.test(name)) {
      issues.error(['available_node_types', name], 'invalid node type name', {
        at: 'key',
        hint: 'use letters, digits, ".", "_" and "-", starting with a letter or digit (at most 64 characters)',
      });
    }
    if (min > max) {
      const headNote =
        name === config.head_node_type ? ' (the head type allows no workers unless max_workers is set)' : '';
      issues.error(
        ['available_node_types', name, 'min_workers'],
        `min_workers (${min}) is more than max_workers (${max})${headNote}`,
      );
    }
  }
  const maxWorkers = numberAt(config, 'max_workers');
  if (sumMin > maxWorkers) {
    const hint = 'raise max_workers or lower min_workers';
    const message = `max_workers (${maxWorkers}) is less than the sum of min_workers of all node types (${sumMin})`;
    if (issues.source && firstWithMin !== undefined && !hasPath(issues.source, ['max_workers'])) {
      issues.error(['available_node_types', firstWithMin, 'min_workers'], message, { hint });
    } else {
      issues.error(['max_workers'], message, { hint });
    }
  }
}

function checkPackageUrls(config: PlainObject, { issues }: RuleContext): void {
  const pkg = config.cloudtik_package_url;
  const wheel = config.cloudtik_wheel_url;
  if (typeof wheel !== 'string') return;
  if (isPythonWheel(wheel)) {
    issues.warning(['cloudtik_wheel_url'], 'points at a Python wheel, which cannot be installed here; it is ignored', {
      hint: 'to test a development build, set cloudtik_package_url to a tarball made by `npm pack`',
    });
    return;
  }
  if (typeof pkg === 'string' && pkg !== wheel) {
    issues.error(['cloudtik_wheel_url'], 'differs from cloudtik_package_url; set only one of them', {
      hint: 'cloudtik_wheel_url is the CloudTik-compatible name of cloudtik_package_url',
    });
  }
}

function checkFileMounts(config: PlainObject, context: RuleContext): void {
  const mounts = config.file_mounts;
  if (!isPlainObject(mounts)) return;
  for (const [remote, local] of Object.entries(mounts)) {
    if (typeof local !== 'string') continue;
    const resolved = resolveLocalPath(local, context.baseDir);
    if (!existsSync(resolved)) {
      context.issues.error(['file_mounts', remote], `local path ${resolved} does not exist`);
    } else {
      mounts[remote] = resolved;
    }
  }
}

/** `auth.ssh_private_key` names a file that exists; made absolute in place (the head gets the same path). */
function checkPrivateKey(config: PlainObject, context: RuleContext): void {
  const auth = config.auth;
  if (!isPlainObject(auth) || typeof auth.ssh_private_key !== 'string' || auth.ssh_private_key === '') return;
  const resolved = resolveLocalPath(auth.ssh_private_key, context.baseDir);
  if (!existsSync(resolved)) {
    context.issues.error(['auth', 'ssh_private_key'], `private key file ${resolved} does not exist`, {
      hint: 'give the path of the key that logs in to the hosts as auth.ssh_user',
    });
  } else {
    auth.ssh_private_key = resolved;
  }
}

function checkRuntimeTypes(runtime: unknown, path: KeyPath, { issues }: RuleContext): void {
  if (!isPlainObject(runtime) || !Array.isArray(runtime.types)) return;
  const known = knownRuntimes();
  runtime.types.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || known.includes(name)) return;
    const match = closestMatch(name, known);
    issues.error([...path, 'types', index], `unknown runtime '${name}'`, {
      hint: match
        ? `did you mean '${match}'?`
        : known.length > 0
          ? `available runtimes: ${known.join(', ')}`
          : 'no runtimes are available in this version',
    });
  });
}

function checkProviderKeys(config: PlainObject, { issues }: RuleContext): void {
  const provider = config.provider;
  if (!isPlainObject(provider)) return;
  const schemaProvider: unknown = (loadSchema('cluster').properties as PlainObject | undefined)?.provider;
  const properties =
    isPlainObject(schemaProvider) && isPlainObject(schemaProvider.properties) ? schemaProvider.properties : {};
  const known = Object.keys(properties);
  for (const key of Object.keys(provider)) {
    if (known.includes(key)) continue;
    const match = closestMatch(key, known);
    issues.warning(
      ['provider', key],
      `unknown provider key for provider '${String(provider.type)}'; it is passed on as it is`,
      {
        at: 'key',
        ...(match ? { hint: `did you mean '${match}'?` } : {}),
      },
    );
  }
}

/**
 * Checks a merged and defaulted cluster config for problems the schema cannot see, reporting
 * them to `context.issues` (positions from the user's file where it writes the path):
 * the head type exists; node type names are valid; per type min_workers <= max_workers; the sum
 * of min_workers <= max_workers; the package URL keys agree (a `.whl` is a warning); file_mounts
 * sources and auth.ssh_private_key exist (and are made absolute, in place); runtime names are known; provider keys are
 * known (warnings); named instance types exist; listed hosts (local provider) are unique and
 * not loopback addresses.
 */
export function checkClusterRules(config: PlainObject, context: RuleContext): void {
  checkHeadType(config, context);
  checkWorkerCounts(config, context);
  checkPackageUrls(config, context);
  checkFileMounts(config, context);
  checkPrivateKey(config, context);
  checkRuntimeTypes(config.runtime, ['runtime'], context);
  for (const [name, nodeType] of nodeTypesOf(config)) {
    checkRuntimeTypes(nodeType.runtime, ['available_node_types', name, 'runtime'], context);
  }
  checkProviderKeys(config, context);
  checkInstanceTypeNames(config, context.issues);
  checkListedHosts(config, context.issues);
}

/**
 * CloudTik's managed cloud storage and databases (`cloudtik storage|database create|delete|info`,
 * `cloudtik workspace storages|databases`). Cloud providers make them; none of this project's
 * providers (virtual, local, onpremise, kubernetes) has any, so the commands read the config's
 * provider and say so: the lists are empty, and create/delete/info are refused.
 */
import type { CommandContext, CommandGroupSpec, CommandSpec } from '../../command-spec.js';
import { defineCommand, opt } from '../../command-spec.js';
import { loadWorkspace, yesOption } from '../../common.js';
import { WORKSPACE_FILE_ARG } from '../workspace/create.js';

export type ManagedKind = 'storage' | 'database';

/** The `provider.type` of a storage or database config file (its only key these providers read). */
async function providerTypeOf(file: string): Promise<string> {
  const fsp = await import('node:fs/promises');
  const { parseYamlSource } = await import('../../../config/yaml-source.js');
  const { CloudtikError } = await import('../../../core/errors.js');
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `cannot read ${file}`, { cause: err });
  }
  const data = parseYamlSource(text, file).source.data as { provider?: { type?: unknown } } | undefined;
  const type = data?.provider?.type;
  if (typeof type !== 'string') {
    throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `${file}: provider.type is missing`, {
      hint: 'a storage or database config names its cloud provider, like the workspace config does',
    });
  }
  return type;
}

function refuse(kind: ManagedKind, type: string): Promise<never> {
  return import('../../../core/errors.js').then(({ CloudtikError }) => {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `provider ${type} has no managed cloud ${kind}`, {
      hint: `managed ${kind === 'storage' ? 'storages' : 'databases'} are made by cloud providers; on ${type}, run one as a runtime of the cluster${kind === 'database' ? ' (mysql, postgres)' : ' (hdfs)'}`,
    });
  });
}

function action(kind: ManagedKind, name: 'create' | 'delete' | 'info', description: string): CommandSpec {
  const nameOption = opt.string(`-n, --${kind}-name <name>`, `override the configured ${kind} name`);
  const confirmable = name === 'info' ? [nameOption] : [nameOption, yesOption];
  return defineCommand({
    name,
    description,
    arguments: [{ name: `<${kind}_config_file>`, description: `the ${kind} YAML file` }],
    options: confirmable,
    async run(args) {
      return refuse(kind, await providerTypeOf(args[0]));
    },
  });
}

export function managedGroup(kind: ManagedKind): CommandGroupSpec {
  return {
    name: kind,
    description: `manage cloud ${kind === 'storage' ? 'storages' : 'databases'} (cloud providers only)`,
    commands: [
      action(kind, 'create', `create a managed ${kind} from a ${kind} config file (cloud providers only)`),
      action(kind, 'delete', `delete a managed ${kind} and its cloud resources (cloud providers only)`),
      action(kind, 'info', `show a managed ${kind} (cloud providers only)`),
    ],
  };
}

/** `workspace storages|databases`: the managed ones of the workspace (none on these providers). */
export function workspaceManaged(kind: ManagedKind): CommandSpec {
  const plural = kind === 'storage' ? 'storages' : 'databases';
  return defineCommand({
    name: plural,
    aliases: [`list-${plural}`],
    description: `list the managed cloud ${plural} of a workspace (cloud providers only: none elsewhere)`,
    arguments: [WORKSPACE_FILE_ARG],
    options: [opt.string('-n, --workspace-name <name>', 'override the configured workspace name')],
    async run(args, opts, ctx: CommandContext) {
      const config = await loadWorkspace(args[0], opts, ctx.reporter);
      ctx.reporter.result(
        { workspace: config.workspace_name, [plural]: [] },
        `Workspace ${config.workspace_name} has no managed ${plural}: provider ${config.provider.type} makes none.`,
      );
    },
  });
}

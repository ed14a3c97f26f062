/**
 * The node side of `cloudtik runtime configure|services <name>`: dispatch to the runtime's module.
 * Runtime modules are loaded only here, on the nodes.
 */
import { CloudtikError } from '../../core/errors.js';
import { RUNTIMES } from '../registry.js';
import { runtimeNodeContext, type RuntimeNodeContext } from './context.js';

interface NodeModule {
  configure(ctx: RuntimeNodeContext): Promise<void>;
  start(ctx: RuntimeNodeContext): Promise<void>;
  stop(ctx: RuntimeNodeContext): Promise<void>;
}

async function moduleOf(name: string): Promise<NodeModule> {
  switch (name) {
    case 'hdfs':
      return import('../hdfs/node.js');
    case 'yarn':
      return import('../yarn/node.js');
    case 'spark':
      return import('../spark/node.js');
    case 'prometheus':
      return import('../prometheus/node.js');
    default:
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `unknown runtime '${name}'`, {
        hint: `runtimes: ${Object.keys(RUNTIMES).join(', ')}`,
      });
  }
}

export type ServiceAction = 'start' | 'stop' | 'restart';

export async function configureRuntime(name: string, head: boolean): Promise<void> {
  await (await moduleOf(name)).configure(runtimeNodeContext(head));
}

export async function runtimeServices(name: string, action: ServiceAction, head: boolean): Promise<void> {
  const mod = await moduleOf(name);
  const ctx = runtimeNodeContext(head);
  if (action === 'stop' || action === 'restart') await mod.stop(ctx);
  if (action === 'start' || action === 'restart') await mod.start(ctx);
}

/**
 * `cloudtik plan` (and `start --plan`): what `start` would do, from the config and one look at the
 * cluster. It only reads: the nodes and their tags, the engine's images, the workspace, the file
 * mounts' contents. The decision is the one `start` makes (decideStart).
 */
import type { ClusterConfig } from '../../config/types.js';
import { packageVersion } from '../../version.js';
import { CloudtikError } from '../errors.js';
import { decideStart, startTargets, type RerunTargets, type StartDecision } from '../plan-start/decide.js';
import { planStart } from '../plan-start/plan.js';
import type { UpdateMode } from '../plan-update/plan.js';
import { fileMountsContentsHash } from '../updater/hashes.js';
import { headSideConfig } from './bootstrap.js';
import { openCluster } from './context.js';

/** A plan as printed: the decision without the nodes start acts on. */
export type ClusterPlan = Pick<StartDecision, 'cluster' | 'workspace' | 'mode' | 'items' | 'nodes'>;

export async function planCluster(
  config: ClusterConfig,
  options: { mode: UpdateMode; rerun?: RerunTargets },
): Promise<ClusterPlan> {
  const ctx = await openCluster(config, { requireWorkspace: false });
  const plan = planStart(config, packageVersion());
  const [fileMountsHash, nodes, workspace, missingImages] = await Promise.all([
    fileMountsContentsHash(config.file_mounts),
    ctx.provider.listNodes(),
    ctx.module.workspaces(config.provider).then((w) => w.get(config.workspace_name)),
    ctx.module.images?.missing?.(plan.images) ?? Promise.resolve([]),
  ]);
  const targets = startTargets(config, headSideConfig(config), plan, fileMountsHash);
  const decision = decideStart({
    config,
    mode: options.mode,
    nodes,
    head: targets.head,
    workers: targets.workers,
    fileMountsHash,
    rerun: options.rerun,
    workspaceExists: workspace !== undefined,
    missingImages,
    now: Date.now(),
  });
  if (decision.unknownIps.length > 0) {
    throw new CloudtikError(
      'ERR_CLOUDTIK_USAGE',
      `no node of the cluster has the address ${decision.unknownIps.join(', ')}`,
      {
        hint: 'see the nodes and their addresses: cloudtik status <cluster.yaml>',
      },
    );
  }
  const { cluster, workspace: ws, mode, items, nodes: steps } = decision;
  return { cluster, workspace: ws, mode, items, nodes: steps };
}

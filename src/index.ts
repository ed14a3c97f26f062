/**
 * The programmatic API: the same operations the CLI runs, returning data and reporting progress
 * through an event sink instead of printing.
 */
export { loadClusterConfig, loadWorkspaceConfig, ConfigError, isConfigError, formatIssue } from './config/index.js';
export type { ClusterConfig, WorkspaceConfig, ConfigIssue, LoadedConfig, ClusterOverrides } from './config/types.js';
export { startCluster, type StartOptions, type StartResult } from './core/cluster/start.js';
export { stopCluster, type StopOptions, type StopResult } from './core/cluster/stop.js';
export {
  clusterInfo,
  execOnNodes,
  listClusterNodes,
  uploadToNodes,
  downloadFromNode,
  waitForReady,
} from './core/cluster/nodes.js';
export { openCluster, type ClusterContext } from './core/cluster/context.js';
export { createWorkspace, deleteWorkspace, workspaceInfo, listAllWorkspaces } from './core/workspace.js';
export { CloudtikError, isCloudtikError, type ErrorCode } from './core/errors.js';
export type { CoreEvent, EventSink } from './core/events.js';
export { packageVersion } from './version.js';

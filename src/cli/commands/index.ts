import type { CommandGroupSpec, CommandSpec } from '../command-spec.js';
import { command as attach } from './cluster/attach.js';
import { command as dashboard } from './cluster/dashboard.js';
import { command as download } from './cluster/download.js';
import { command as exec } from './cluster/exec.js';
import { command as gc } from './cluster/gc.js';
import { command as headIp } from './cluster/head-ip.js';
import { command as events } from './cluster/events.js';
import { command as info } from './cluster/info.js';
import { command as killNode } from './cluster/kill-node.js';
import { command as monitor } from './cluster/monitor.js';
import { command as plan } from './cluster/plan.js';
import { command as scale } from './cluster/scale.js';
import { command as start } from './cluster/start.js';
import { command as status } from './cluster/status.js';
import { command as stop } from './cluster/stop.js';
import { command as submit } from './cluster/submit.js';
import { command as upload } from './cluster/upload.js';
import { command as waitForReady } from './cluster/wait-for-ready.js';
import { command as workerIps } from './cluster/worker-ips.js';
import { command as imageBuild } from './image/build.js';
import { command as imageList } from './image/list.js';
import { command as jobCancel } from './job/cancel.js';
import { command as jobList } from './job/list.js';
import { command as jobLogs } from './job/logs.js';
import { command as jobStatus } from './job/status.js';
import { command as jobWait } from './job/wait.js';
import { command as nodeBatch } from './node/batch.js';
import { command as nodeDockerGate } from './node/docker-gate.js';
import { command as nodeKubernetesAttach } from './node/kubernetes-attach.js';
import { command as nodeKubernetesToken } from './node/kubernetes-token.js';
import { command as nodeRun } from './node/run.js';
import { command as nodeStart } from './node/start.js';
import { command as nodeStop } from './node/stop.js';
import { command as runtimeConfigure } from './runtime/configure.js';
import { command as runtimeInstall } from './runtime/install.js';
import { command as runtimeRun } from './runtime/run.js';
import { command as runtimeServices } from './runtime/services.js';
import { command as runtimeStart } from './runtime/start.js';
import { command as runtimeStatus } from './runtime/status.js';
import { command as runtimeStop } from './runtime/stop.js';
import { command as simulator } from './simulator/simulator.js';
import { command as workspaceCreate } from './workspace/create.js';
import { command as workspaceDelete } from './workspace/delete.js';
import { command as workspaceInfo } from './workspace/info.js';
import { command as workspaceList } from './workspace/list.js';
import { command as workspaceUpdate } from './workspace/update.js';
import { command as workspaceStatus } from './workspace/status.js';
import { command as workspaceClusters } from './workspace/clusters.js';
import { diagnosticCommands } from './cluster/diagnostics.js';
import { runtimeGroups } from './runtimes/index.js';
import { managedGroup, workspaceManaged } from './managed/managed.js';

/** Command modules are light (they import the core lazily), so loading them all keeps --help fast. */
export const topLevelCommands: CommandSpec[] = [
  start,
  plan,
  stop,
  status,
  info,
  headIp,
  workerIps,
  exec,
  attach,
  upload,
  download,
  waitForReady,
  scale,
  submit,
  killNode,
  events,
  monitor,
  dashboard,
  ...diagnosticCommands,
  gc,
  simulator,
];

export const commandGroups: CommandGroupSpec[] = [
  {
    name: 'workspace',
    description: 'create, delete and inspect workspaces',
    commands: [
      workspaceCreate,
      workspaceUpdate,
      workspaceDelete,
      workspaceStatus,
      workspaceClusters,
      workspaceManaged('storage'),
      workspaceManaged('database'),
      workspaceInfo,
      workspaceList,
    ],
  },
  {
    name: 'job',
    description: "the jobs on the cluster's head: list them, read their output, wait for or cancel one",
    commands: [jobList, jobStatus, jobLogs, jobCancel, jobWait],
  },
  { name: 'image', description: 'build and list node images', commands: [imageBuild, imageList] },
  {
    name: 'runtime',
    description: "start or stop the runtimes' services (and, on nodes, configure them)",
    commands: [runtimeStart, runtimeStop, runtimeStatus, runtimeInstall, runtimeConfigure, runtimeServices, runtimeRun],
  },
  {
    name: 'node',
    description: 'node-side commands, run inside cluster nodes (services: state store, agent, controller)',
    commands: [nodeStart, nodeStop, nodeRun, nodeBatch, nodeDockerGate, nodeKubernetesAttach, nodeKubernetesToken],
  },
  managedGroup('storage'),
  managedGroup('database'),
  ...runtimeGroups,
];

/** `run`, and the commands that look into a running cluster (hosts, logs, processes, health, metrics, dumps, proxy). */
import type { CommandSpec } from '../../command-spec.js';
import { command as headHost } from './head-host.js';
import { command as workerHosts } from './worker-hosts.js';
import { command as logs } from './logs.js';
import { command as processStatus } from './process-status.js';
import { command as resourceMetrics } from './resource-metrics.js';
import { command as healthCheck } from './health-check.js';
import { command as clusterDump } from './cluster-dump.js';
import { command as startProxy } from './start-proxy.js';
import { command as stopProxy } from './stop-proxy.js';
import { command as proxyServer } from './proxy-server.js';
import { command as run } from './run.js';

export const diagnosticCommands: CommandSpec[] = [
  run,
  headHost,
  workerHosts,
  logs,
  processStatus,
  resourceMetrics,
  healthCheck,
  clusterDump,
  startProxy,
  stopProxy,
  proxyServer,
];

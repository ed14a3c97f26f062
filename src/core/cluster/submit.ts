/**
 * `cloudtik submit`: upload a job to the head and run it there with its output streamed; the
 * job's exit code is the result. Spark jobs (.py with Spark in the cluster, .jar, .scala) go
 * through spark-submit (or spark-shell); .sh runs with bash; other .py files with python3.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterConfig } from '../../config/types.js';
import { quote } from '../command/shell.js';
import { CloudtikError } from '../errors.js';
import { nullSink, type EventSink } from '../events.js';
import { openCluster } from './context.js';
import { execOnNodes, requireHead } from './nodes.js';
import { waitForWorkers } from './wait.js';

export interface SubmitOptions {
  config: ClusterConfig;
  file: string;
  args: string[];
  /** Also keep the job's output in ~/user/logs on the head. */
  jobLog?: boolean;
  /** Options for spark-submit (or the runtime's runner), placed before the job. */
  runtimeOptions?: string;
  waitForWorkers?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  sink?: EventSink;
  onOutput(stream: 'stdout' | 'stderr', text: string): void;
}

export interface SubmitResult {
  exitCode: number;
  command: string;
  remoteFile: string;
  log?: string;
}

const JOBS_DIR = '~/user/jobs';
const LOGS_DIR = '~/user/logs';

/** The command that runs a job file on the head, by its extension and the cluster's runtimes. */
export function jobCommand(config: ClusterConfig, remoteFile: string, args: string[], runtimeOptions = ''): string {
  const ext = path.extname(remoteFile).toLowerCase();
  const spark = config.runtime.types.includes('spark');
  const opts = runtimeOptions.trim() === '' ? '' : `${runtimeOptions.trim()} `;
  const tail = args.map(quote).join(' ');
  const file = remoteFile.startsWith('~/') ? `~/${quote(remoteFile.slice(2))}` : quote(remoteFile);
  let head: string;
  if (ext === '.sh') head = `bash ${file}`;
  else if (ext === '.py') head = spark ? `spark-submit ${opts}${file}` : `python3 ${file}`;
  else if (ext === '.jar') {
    if (!spark) throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'a .jar job needs the spark runtime in the cluster');
    head = `spark-submit ${opts}${file}`;
  } else if (ext === '.scala') {
    if (!spark) throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'a .scala job needs the spark runtime in the cluster');
    // spark-shell runs the script and stays open; `:quit` after it ends the shell with the script.
    return `(cat ${file}; echo; echo ':quit') | spark-shell ${opts}`.trim();
  } else {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `cannot tell how to run ${path.basename(remoteFile)}`, {
      hint: 'submit a .py, .sh, .jar or .scala file',
    });
  }
  return tail ? `${head} ${tail}` : head;
}

export async function submitJob(options: SubmitOptions): Promise<SubmitResult> {
  const { config } = options;
  if (!fs.existsSync(options.file) || !fs.statSync(options.file).isFile()) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `job file ${options.file} does not exist`);
  }
  const name = path.basename(options.file);
  const remoteFile = `${JOBS_DIR}/${name}`;
  let command = jobCommand(config, remoteFile, options.args, options.runtimeOptions);
  const ctx = await openCluster(config, { requireWorkspace: false });
  const head = requireHead(config, await ctx.provider.listNodes());
  if (options.waitForWorkers !== undefined && options.waitForWorkers > 0) {
    await waitForWorkers(ctx, {
      total: options.waitForWorkers,
      timeoutMs: options.timeoutMs,
      sink: options.sink ?? nullSink,
      signal: options.signal,
    });
  }
  // The upload makes the jobs folder.
  await ctx.provider.commandRunner(head).upload(options.file, remoteFile);
  let log: string | undefined;
  if (options.jobLog) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    log = `${LOGS_DIR}/${path.parse(name).name}-${stamp}.log`;
    // Output goes to the log and is streamed; the job's own exit code is kept through the pipe.
    command = `mkdir -p ${LOGS_DIR}; set -o pipefail; { ${command}; } 2>&1 | tee ~/${quote(log.slice(2))}`;
  }
  const [result] = await execOnNodes(ctx, {
    command,
    nodeIp: head.id,
    signal: options.signal,
    onOutput: (_node, stream, text) => options.onOutput(stream, text),
  });
  return { exitCode: result?.exitCode ?? 1, command, remoteFile, ...(log ? { log } : {}) };
}

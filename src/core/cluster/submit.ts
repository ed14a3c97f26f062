/**
 * How `cloudtik submit` turns a job file into the command the head runs: Spark jobs (.py with
 * Spark in the cluster, .jar, .scala) go through spark-submit (or spark-shell); Flink jobs (.jar,
 * .py with Flink and not Spark in the cluster, or `--runtime flink`) through `flink run` on YARN;
 * .sh runs with bash; other .py files with python3. A Spark job's own logging goes to a job log on the head
 * (unless `verbose`); its output gets one progress line per state of its YARN application. The
 * job queue around it (src/core/jobs) uploads the file, keeps the command in the job's record, and
 * the head's job runner runs it.
 */
import path from 'node:path';
import type { ClusterConfig } from '../../config/types.js';
import { RESOURCEMANAGER_HTTP_PORT } from '../../runtimes/node/hadoop.js';
import { JOB_LOG4J_FILE } from '../../runtimes/spark/index.js';
import { quote } from '../command/shell.js';
import { CloudtikError } from '../errors.js';
import type { JobRuntime } from '../jobs/model.js';

/** Job folders on the head (home-relative): one per job, with its file, output and exit code. */
export const JOBS_DIR = 'user/jobs';
const LOGS_DIR = '~/user/logs';

/** The engines `submit` runs .py, .jar and .scala jobs on. */
export const JOB_ENGINES = ['spark', 'flink'] as const;
export type JobEngine = (typeof JOB_ENGINES)[number];

/**
 * The engine a job runs on: the one asked for (it must be in the cluster), else Spark when the
 * cluster runs it (CloudTik's default), else Flink when it runs that; none for a cluster with neither.
 */
export function jobEngine(types: readonly string[], asked?: string): JobEngine | undefined {
  if (asked !== undefined) {
    if (!(JOB_ENGINES as readonly string[]).includes(asked)) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--runtime ${asked}: jobs run on ${JOB_ENGINES.join(' or ')}`);
    }
    if (!types.includes(asked)) {
      throw new CloudtikError(
        'ERR_CLOUDTIK_USAGE',
        `--runtime ${asked}: ${asked} is not in the cluster's runtime.types`,
        {
          hint: `its runtimes: ${types.join(', ') || 'none'}`,
        },
      );
    }
    return asked as JobEngine;
  }
  return JOB_ENGINES.find((r) => types.includes(r));
}

/**
 * How Flink runs a job: a per-job application on YARN unless the options name another target
 * (`-t yarn-session` for a running session), attached, so the program's output comes back and
 * `flink run` exits with the job's result. PyFlink scripts run the same way (`-py`).
 */
function flinkCommand(ext: string, file: string, opts: string): string {
  const target = /(^|\s)(-t|--target)(\s|=)/.test(opts) ? '' : '-t yarn-per-job ';
  if (ext === '.jar') return `flink run ${target}${opts}${file}`;
  if (ext === '.py') return `flink run ${target}${opts}-py ${file}`;
  throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'Flink runs .jar and .py jobs (it has no Scala shell since 1.15)', {
    hint: 'package the Scala job as a jar, or run the .scala file on Spark (--runtime spark)',
  });
}

/** The command that runs a job file on the head, by its extension and the cluster's runtimes. */
/** The job files an engine (Spark or Flink) runs; others run as they are on the head. */
const ENGINE_JOB_FILES = ['.py', '.jar', '.scala'];

export function jobCommand(
  config: ClusterConfig,
  remoteFile: string,
  args: string[],
  runtimeOptions = '',
  runtime?: string,
): string {
  const ext = path.extname(remoteFile).toLowerCase();
  const engineJob = ENGINE_JOB_FILES.includes(ext);
  if (runtime !== undefined && !engineJob) {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `--runtime ${runtime} does not run ${ext || 'extensionless'} jobs`, {
      hint: `--runtime chooses the engine of ${ENGINE_JOB_FILES.join(', ')} jobs; other files run as they are`,
    });
  }
  const engine = engineJob ? jobEngine(config.runtime.types, runtime) : undefined;
  const opts = runtimeOptions.trim() === '' ? '' : `${runtimeOptions.trim()} `;
  const tail = args.map(quote).join(' ');
  const file = remoteFile.startsWith('~/') ? `~/${quote(remoteFile.slice(2))}` : quote(remoteFile);
  let head: string;
  if (ext === '.sh') head = `bash ${file}`;
  else if (engine === 'flink') head = flinkCommand(ext, file, opts);
  else if (ext === '.py') head = engine === 'spark' ? `spark-submit ${opts}${file}` : `python3 ${file}`;
  else if (ext === '.jar') {
    if (!engine)
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'a .jar job needs the spark or flink runtime in the cluster');
    head = `spark-submit ${opts}${file}`;
  } else if (ext === '.scala') {
    if (!engine) throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'a .scala job needs the spark runtime in the cluster');
    // spark-shell runs the script and stays open; `:quit` after it ends the shell with the script.
    return `(cat ${file}; echo; echo ':quit') | spark-shell ${opts}`.trim();
  } else {
    throw new CloudtikError('ERR_CLOUDTIK_USAGE', `cannot tell how to run ${path.basename(remoteFile)}`, {
      hint: 'submit a .py, .sh, .jar or .scala file',
    });
  }
  return tail ? `${head} ${tail}` : head;
}

/** Whether a job runs through Spark's launchers (spark-submit, spark-shell). */
export function isSparkJob(config: ClusterConfig, remoteFile: string, runtime?: string): boolean {
  const ext = path.extname(remoteFile).toLowerCase();
  return ENGINE_JOB_FILES.includes(ext) && jobEngine(config.runtime.types, runtime) === 'spark';
}

/** How a job's output and logging are kept on the head. */
export interface JobLogPlan {
  /** The job log, relative to the home folder on the head. */
  log: string;
  /** The job's own output is appended to the log as well (`--job-log`). */
  teeOutput: boolean;
  /** Spark's logging goes to the log, and progress lines are taken from it. */
  sparkToLog: boolean;
  /**
   * The address the progress lines give for the head: YARN names it by its host name in
   * tracking URLs, which only the cluster's nodes resolve.
   */
  headAddress?: string;
}

/** Marks the end of a job in its log, for the progress follower. */
const JOB_END = 'cloudtik: job ended';

/**
 * Turns Spark's YARN client messages into one line per application state on stderr: the
 * application id, its state and its tracking URL (the client logs the URL with each new state).
 * With $head set, the URL is the ResourceManager's proxy page of the application on the head's
 * address: YARN names the head by its host name, which only the cluster's nodes resolve, and an
 * application master inside the driver (unmanaged) reports the driver's own UI, which sends a
 * browser on to that host name. The proxy page leads to the history server once the job ended.
 * Bash reads line by line (awk would wait for a block of input from the pipe).
 */
const PROGRESS_LOOP = [
  'while IFS= read -r line; do case $line in',
  '  *" Application report for application_"*) app=${line#* report for }; app=${app%% *}; state=${line##*(state: }; state=${state%%)*} ;;',
  `  *"tracking URL: "*) url=\${line##* }; [ -n "\${head:-}" ] && url="http://$head:${RESOURCEMANAGER_HTTP_PORT}/proxy/$app/"`,
  '    [ "$state" != "${shown:-}" ] && { shown=$state; printf "%s: %s  %s\\n" "$app" "$state" "$url" >&2; } ;;',
  `  ${quote(JOB_END)}) break ;;`,
  'esac; done',
].join('\n');

/**
 * The shell text that runs `command` on the head as `plan` says, keeping the job's exit code.
 * With `sparkToLog`, Spark's launchers read the job logging config (SPARK_SUBMIT_OPTS reaches
 * the driver's JVM, also the one PySpark starts) and a follower (`tail -F`, ended by a marker
 * line or, at the latest, with this shell) prints the progress lines.
 */
export function jobShell(command: string, plan: JobLogPlan): string {
  const log = `~/${quote(plan.log)}`;
  const lines = [`mkdir -p ${LOGS_DIR}`, `log=${log}`, ': >>"$log"'];
  if (plan.headAddress) lines.push(`head=${quote(plan.headAddress)}`);
  if (plan.sparkToLog) {
    const conf = `\${SPARK_CONF_DIR:-/opt/spark/conf}/${JOB_LOG4J_FILE}`;
    lines.push(
      `tail -n +1 -s 0.2 -F --pid=$$ "$log" 2>/dev/null | { ${PROGRESS_LOOP}; } &`,
      'progress=$!',
      `export SPARK_SUBMIT_OPTS="\${SPARK_SUBMIT_OPTS:-} -Dlog4j2.configurationFile=${conf} -Dcloudtik.job.log=$log"`,
    );
  }
  // Output goes to the log and is streamed; the job's own exit code is kept through the pipe.
  lines.push(plan.teeOutput ? `set -o pipefail; { ${command}; } 2>&1 | tee -a "$log"; code=$?` : `${command}; code=$?`);
  // The marker starts a line of its own: job output kept in the log (--job-log) may end mid-line,
  // and a marker glued to it would leave the follower, and so `wait`, running for ever.
  if (plan.sparkToLog) lines.push(`printf '\\n%s\\n' ${quote(JOB_END)} >>"$log"`, 'wait "$progress"');
  lines.push('exit $code');
  return lines.join('\n');
}

/** What decides how a job's command is built, besides the cluster. */
export interface JobCommandOptions {
  /** The job file on the head, as jobCommand takes it. */
  remoteFile: string;
  args: string[];
  /** Also keep the job's output in ~/user/logs on the head. */
  jobLog?: boolean;
  /** Spark's own logging on the terminal too, instead of in the job log only. */
  verbose?: boolean;
  /** Options for spark-submit (or the runtime's runner), placed before the job. */
  runtimeOptions?: string;
  /** The engine of a .py, .jar or .scala job: spark or flink (default: spark when the cluster runs it). */
  runtime?: string;
  /** The head's address for the progress lines. */
  headAddress?: string;
}

function jobLogPlan(config: ClusterConfig, options: JobCommandOptions): JobLogPlan | undefined {
  const name = path.basename(options.remoteFile);
  const sparkToLog = isSparkJob(config, name, options.runtime) && options.verbose !== true;
  if (!sparkToLog && options.jobLog !== true) return undefined;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return {
    log: `${LOGS_DIR.slice(2)}/${path.parse(name).name}-${stamp}.log`,
    teeOutput: options.jobLog === true,
    sparkToLog,
    ...(options.headAddress ? { headAddress: options.headAddress } : {}),
  };
}

/**
 * The shell text that runs a job on the head, from the cluster's home folder: the runtime's
 * command for the file (jobCommand) inside the job log's plumbing (jobShell) where it has a log.
 * The head's job runner runs it; `log` is the job log, home-relative.
 */
export function jobShellFor(config: ClusterConfig, options: JobCommandOptions): { command: string; log?: string } {
  const command = jobCommand(config, options.remoteFile, options.args, options.runtimeOptions, options.runtime);
  const plan = jobLogPlan(config, options);
  return plan ? { command: jobShell(command, plan), log: plan.log } : { command };
}

/** How a job file runs, for its record: on Spark or Flink, as plain Python or as a shell script. */
export function jobRuntime(config: ClusterConfig, file: string, asked?: string): JobRuntime {
  const ext = path.extname(file).toLowerCase();
  const engine = ENGINE_JOB_FILES.includes(ext) ? jobEngine(config.runtime.types, asked) : undefined;
  return engine ?? (ext === '.py' ? 'python' : 'shell');
}

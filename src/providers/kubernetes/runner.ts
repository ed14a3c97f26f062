/**
 * Commands and files on a node pod through the API's exec subresource (no kubectl): streamed
 * output and the exit code, tar over exec for copies, and an interactive terminal for `attach`
 * (through `cloudtik node kubernetes-attach`, which holds the terminal).
 */
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { packageInfo } from '../../core/host/package.js';
import { expandHome, planUpload, unpackDownload } from '../../core/command/transfer.js';
import { callWithPrelude } from '../../core/command/prelude.js';
import { asUserArgv, buildNodeScript, SCRIPT_FROM_STDIN, scriptStdin } from '../../core/command/shell.js';
import {
  OutputTail,
  tailLines,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
  type ShellArgvOptions,
} from '../../core/command/runner.js';
import { CloudtikError } from '../../core/errors.js';
import { apiError, type ExecSocket, type ExecStatus, type KubeApi } from './api.js';
import { CONTAINER } from './spec.js';

/** Where a pod runs, and who runs the commands. */
export interface PodTarget {
  namespace: string;
  pod: string;
  user: string;
  /** `provider.kubeconfig`, handed to the attach command. */
  kubeconfig?: string;
  /** Environment for every command run (under the command's own). */
  env?: Readonly<Record<string, string>>;
}

/**
 * What commands on a cluster's pods get: the head's controller runs as the node user, with the
 * pod's service account (it needs no root in the pod, and a second CLI process through sudo cost
 * a quarter of a second in a small pod, on the start's path).
 */
export const NODE_COMMAND_ENV: Readonly<Record<string, string>> = { CLOUDTIK_CONTROLLER_AS_USER: '1' };

/** The exit code in an exec's final status (`Success`, or `NonZeroExitCode` with the code as a cause). */
export function exitCodeOf(status: ExecStatus | undefined): number {
  if (!status) return -1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : -1;
}

/** argv that runs `inner` as `user` (exec runs as the container's user, root), in the user's home. */
export function asUser(user: string, inner: string[]): string[] {
  if (user === 'root') return inner;
  return asUserArgv(user, inner, true);
}

/** The script travels on stdin, not in the exec request (see {@link SCRIPT_FROM_STDIN}). */
const FROM_STDIN = ['bash', '-c', SCRIPT_FROM_STDIN];

export interface ExecOptions {
  stdin?: NodeJS.ReadableStream;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Raw stdout (binary), instead of text. */
  stdout?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** The runner of one of a cluster's pods: commands as the node user, with {@link NODE_COMMAND_ENV}. */
export function clusterPodRunner(api: KubeApi, cluster: Omit<PodTarget, 'pod' | 'env'>, pod: string): KubeExecRunner {
  return new KubeExecRunner(api, { ...cluster, pod, env: NODE_COMMAND_ENV });
}

export class KubeExecRunner implements CommandRunner {
  readonly nodeId: string;
  readonly runsPrelude = true;
  constructor(
    private readonly api: KubeApi,
    private readonly target: PodTarget,
  ) {
    this.nodeId = target.pod;
  }

  async run(options: RunOptions): Promise<CommandResult> {
    const env = this.target.env ? { ...this.target.env, ...options.env } : options.env;
    const script = buildNodeScript({ command: options.command, env });
    const argv = asUser(options.asRoot ? 'root' : this.target.user, FROM_STDIN);
    // The command's own input, if any, follows the script on the same stream.
    const { prelude, onStdout, stdin } = options;
    if (prelude === undefined) return this.exec(argv, { ...options, stdin: scriptStdin(script, stdin) });
    // An exec starts as root: the preparation runs first, then the command as the user.
    return callWithPrelude((a, io) => this.exec(a, { ...options, ...io }), { prelude, script, argv, onStdout, stdin });
  }

  /** Run `argv` in the node's container (as root), streaming stdin and output. */
  async exec(argv: string[], options: ExecOptions): Promise<CommandResult> {
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    const out = new PassThrough();
    const err = new PassThrough();
    if (options.stdout) out.pipe(options.stdout);
    else {
      out.setEncoding('utf8');
      out.on('data', (c: string) => {
        stdout.push(c);
        options.onStdout?.(c);
      });
    }
    err.setEncoding('utf8');
    err.on('data', (c: string) => {
      stderr.push(c);
      options.onStderr?.(c);
    });
    let status: ExecStatus | undefined;
    const given = options.stdin;
    const stdin =
      given === undefined ? null : given instanceof Readable ? given : Readable.from(given as AsyncIterable<Buffer>);
    let ws: ExecSocket;
    try {
      ws = await this.api.exec.exec(
        this.target.namespace,
        this.target.pod,
        CONTAINER,
        argv,
        out,
        err,
        stdin,
        false,
        (s) => {
          status = s;
        },
      );
    } catch (e) {
      throw apiError(`cannot run a command in pod ${this.target.pod}`, e, this.api.server);
    }
    const onAbort = (): void => ws.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        ws.on('close', () => resolve());
        ws.on('error', reject);
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    out.end();
    err.end();
    if (options.signal?.aborted)
      throw new CloudtikError('ERR_CLOUDTIK_INTERRUPTED', `command on ${this.nodeId} interrupted`);
    return { exitCode: exitCodeOf(status), stdout: stdout.toString(), stderr: stderr.toString() };
  }

  private get home(): string {
    return this.target.user === 'root' ? '/root' : `/home/${this.target.user}`;
  }

  private async mustRun(argv: string[], what: string, options: ExecOptions = {}): Promise<void> {
    const r = await this.exec(argv, options);
    if (r.exitCode !== 0) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${what} failed on ${this.nodeId} (exit ${r.exitCode})`, {
        details: tailLines(r.stderr + r.stdout, 10),
      });
    }
  }

  async upload(source: string, target: string): Promise<void> {
    const plan = await planUpload(source, expandHome(target, this.home));
    const mk = await this.exec(asUser(this.target.user, ['mkdir', '-p', plan.destDir]), {});
    if (mk.exitCode !== 0) await this.mustRun(['mkdir', '-p', plan.destDir], `create ${plan.destDir}`);
    await this.mustRun(['tar', '-x', '-f', '-', '--no-same-owner', '-C', plan.destDir], `unpack into ${plan.destDir}`, {
      stdin: plan.archive,
    });
    if (plan.copied.length > 0 && this.target.user !== 'root') {
      await this.mustRun(
        ['chown', '-R', `${this.target.user}:`, '--', ...plan.copied],
        `chown ${plan.copied.join(' ')}`,
      );
    }
  }

  async download(source: string, target: string): Promise<void> {
    const sourcePath = expandHome(source, this.home);
    const archive = new PassThrough();
    const unpacked = unpackDownload(archive, sourcePath, target);
    // A failed unpack must not leave the exec writing into nothing: it ends with the stream.
    unpacked.catch(() => archive.resume());
    const r = await this.exec(
      ['tar', '-c', '-f', '-', '-C', path.posix.dirname(sourcePath), '--', path.posix.basename(sourcePath)],
      {
        stdout: archive,
      },
    );
    if (r.exitCode !== 0) {
      archive.destroy();
      await unpacked.catch(() => undefined);
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `cannot read ${source} on ${this.nodeId}`, {
        details: tailLines(r.stderr, 5),
      });
    }
    await unpacked;
  }

  interactiveShellArgv(command?: string, options: ShellArgvOptions = {}): string[] {
    const argv = [
      process.execPath,
      path.join(packageInfo().root, 'bin', 'cloudtik.js'),
      'node',
      'kubernetes-attach',
      '--namespace',
      this.target.namespace,
      '--pod',
      this.target.pod,
      '--user',
      this.target.user,
    ];
    if (this.target.kubeconfig) argv.push('--kubeconfig', this.target.kubeconfig);
    if (command !== undefined) argv.push('--run', command);
    const ports = options.forwardPorts ?? [];
    if (ports.length > 0) argv.push('--forward', ports.join(','));
    return argv;
  }
}

/** The argv of an interactive login shell of `user` (running `command` when given). */
export function attachArgv(user: string, command?: string): string[] {
  const shell = command === undefined ? ['bash', '-l'] : ['bash', '-lc', buildNodeScript({ command })];
  if (user === 'root') return shell;
  return asUserArgv(user, shell, true);
}

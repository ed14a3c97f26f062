import { PassThrough } from 'node:stream';
import { demuxStream, type DockerEngine } from './engine.js';
import { expandHome, planUpload, unpackDownload } from '../../core/command/transfer.js';
import { callWithPrelude } from '../../core/command/prelude.js';
import { asUserArgv, buildNodeScript, quote, SCRIPT_FROM_STDIN, scriptStdin } from '../../core/command/shell.js';
import {
  OutputTail,
  tailLines,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
  type ShellArgvOptions,
} from '../../core/command/runner.js';
import { CloudtikError } from '../../core/errors.js';

/**
 * Runs commands in a node container through `docker exec`, as the cluster's ssh user. The
 * container is named after the node unless `container` names it.
 */
export class DockerExecRunner implements CommandRunner {
  constructor(
    private readonly docker: DockerEngine,
    readonly nodeId: string,
    private readonly user: string,
    private readonly container: string = nodeId,
  ) {}

  readonly runsPrelude = true;

  async run(options: RunOptions): Promise<CommandResult> {
    const script = buildNodeScript({ command: options.command, env: options.env });
    // On stdin: an exec's command line shows in the Docker host's process list.
    const fromStdin = ['bash', '-c', SCRIPT_FROM_STDIN];
    const { prelude, onStdout, stdin } = options;
    if (prelude === undefined) return this.exec(fromStdin, { ...options, stdin: scriptStdin(script, stdin) });
    // The preparation runs as root, then the command as the user, as an exec as that user would:
    // root's call starts in the folder the user's would.
    const argv = options.asRoot ? fromStdin : asUserArgv(this.user, fromStdin, false);
    const root = { user: 'root', workingDir: options.asRoot ? '/' : undefined };
    return callWithPrelude((a, io) => this.exec(a, { ...options, ...io }, root), {
      prelude,
      script,
      argv,
      onStdout,
      stdin,
    });
  }

  /** Run an argv directly (no user shell setup), as root unless told otherwise. */
  async execArgv(argv: string[], options: Omit<RunOptions, 'command'> = { asRoot: true }): Promise<CommandResult> {
    return this.exec(argv, options);
  }

  private async exec(
    argv: string[],
    options: Omit<RunOptions, 'command'>,
    as: { user: string; workingDir?: string } = options.asRoot
      ? { user: 'root', workingDir: '/' }
      : { user: this.user, workingDir: undefined },
  ): Promise<CommandResult> {
    const container = this.docker.getContainer(this.container);
    const exec = await container.exec({
      Cmd: argv,
      User: as.user,
      WorkingDir: as.workingDir,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: options.stdin !== undefined,
      Env: ['LC_ALL=C.UTF-8', 'LANG=C.UTF-8'],
    });
    const stream = await exec.start();
    const out = new PassThrough();
    const err = new PassThrough();
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    out.setEncoding('utf8');
    err.setEncoding('utf8');
    out.on('data', (c: string) => {
      stdout.push(c);
      options.onStdout?.(c);
    });
    err.on('data', (c: string) => {
      stderr.push(c);
      options.onStderr?.(c);
    });
    demuxStream(stream, out, err);
    if (options.stdin) options.stdin.pipe(stream);
    const onAbort = (): void => {
      stream.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    out.end();
    err.end();
    if (options.signal?.aborted) {
      throw new CloudtikError('ERR_CLOUDTIK_INTERRUPTED', `command on ${this.nodeId} interrupted`);
    }
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: stdout.toString(), stderr: stderr.toString() };
  }

  async upload(source: string, target: string): Promise<void> {
    const plan = await planUpload(source, expandHome(target, this.home));
    // Folders are made as the user where it may (so they are the user's), as root elsewhere.
    const asUser = await this.execArgv(['mkdir', '-p', plan.destDir], { asRoot: false });
    if (asUser.exitCode !== 0) await this.mustRun(['mkdir', '-p', plan.destDir], `create ${plan.destDir}`);
    await this.docker.getContainer(this.container).putArchive(plan.archive, { path: plan.destDir });
    if (plan.copied.length > 0)
      await this.mustRun(['chown', '-R', `${this.user}:`, '--', ...plan.copied], `chown ${plan.copied.join(' ')}`);
  }

  async download(source: string, target: string): Promise<void> {
    const sourcePath = expandHome(source, this.home);
    const container = this.docker.getContainer(this.container);
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: sourcePath });
    } catch (err) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `cannot read ${source} on ${this.nodeId}`, { cause: err });
    }
    await unpackDownload(archive, sourcePath, target);
  }

  interactiveShellArgv(command?: string, options: ShellArgvOptions = {}): string[] {
    if ((options.forwardPorts ?? []).length > 0) {
      throw new CloudtikError('ERR_CLOUDTIK_USAGE', 'virtual nodes need no port forwarding', {
        hint: `their ports are open on this machine at the node's address (cloudtik status shows it), e.g. http://<node ip>:${options.forwardPorts![0]}`,
      });
    }
    return dockerExecShellArgv(this.container, this.user, command);
  }

  private get home(): string {
    return homeOf(this.user);
  }

  private async mustRun(argv: string[], what: string): Promise<void> {
    const r = await this.execArgv(argv);
    if (r.exitCode !== 0) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${what} failed on ${this.nodeId} (exit ${r.exitCode})`, {
        details: tailLines(r.stderr + r.stdout, 10),
      });
    }
  }
}

function homeOf(user: string): string {
  return user === 'root' ? '/root' : `/home/${user}`;
}

/** `docker exec -it` of a shell (or of `command`) in `container`, as `user` in its home. */
export function dockerExecShellArgv(container: string, user: string, command?: string): string[] {
  const argv = ['docker', 'exec', '-it', '-u', user, '-w', homeOf(user), container, 'bash'];
  if (command !== undefined) argv.push('-c', buildNodeScript({ command }));
  return argv;
}

/** Quoted form of an argv, for showing a command a user can run by hand. */
export function showArgv(argv: string[]): string {
  return argv.map(quote).join(' ');
}

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { demuxStream, type DockerEngine } from './engine.js';
import tar from 'tar-fs';
import { buildNodeScript, quote } from '../../core/command/shell.js';
import {
  OutputTail,
  tailLines,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
} from '../../core/command/runner.js';
import { CloudtikError } from '../../core/errors.js';

/** Runs commands in a node container through `docker exec`, as the cluster's ssh user. */
export class DockerExecRunner implements CommandRunner {
  constructor(
    private readonly docker: DockerEngine,
    readonly nodeId: string,
    private readonly user: string,
  ) {}

  async run(options: RunOptions): Promise<CommandResult> {
    const script = buildNodeScript({ command: options.command, env: options.env });
    return this.exec(['bash', '-c', script], options);
  }

  /** Run an argv directly (no user shell setup), as root unless told otherwise. */
  async execArgv(argv: string[], options: Omit<RunOptions, 'command'> = { asRoot: true }): Promise<CommandResult> {
    return this.exec(argv, options);
  }

  private async exec(argv: string[], options: Omit<RunOptions, 'command'>): Promise<CommandResult> {
    const container = this.docker.getContainer(this.nodeId);
    const exec = await container.exec({
      Cmd: argv,
      User: options.asRoot ? 'root' : this.user,
      WorkingDir: options.asRoot ? '/' : undefined,
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
    const stat = await fsp.stat(source).catch(() => undefined);
    if (!stat) throw new CloudtikError('ERR_CLOUDTIK_USAGE', `local path not found: ${source}`);
    const contentsOnly = stat.isDirectory() && source.endsWith('/');
    const targetPath = this.expandHome(target);
    // The archive is extracted into a folder; file and folder names are mapped so the result sits at `target`.
    const destDir = contentsOnly ? targetPath : path.posix.dirname(targetPath);
    const baseName = path.posix.basename(targetPath);
    // Folders are made as the user where it may (so they are the user's), as root elsewhere.
    const asUser = await this.execArgv(['mkdir', '-p', destDir], { asRoot: false });
    if (asUser.exitCode !== 0) await this.mustRun(['mkdir', '-p', destDir], `create ${destDir}`);
    const packed = stat.isDirectory()
      ? tar.pack(source, {
          map: (h) => {
            h.name = contentsOnly ? h.name : path.posix.join(baseName, h.name);
            return h;
          },
        })
      : tar.pack(path.dirname(source), {
          entries: [path.basename(source)],
          map: (h) => {
            h.name = baseName;
            return h;
          },
        });
    await this.docker.getContainer(this.nodeId).putArchive(packed, { path: destDir });
    // Only what was copied changes owner: `upload dir/ /tmp` must not hand /tmp to the user.
    const owned = contentsOnly
      ? (await fsp.readdir(source)).map((name) => path.posix.join(destDir, name))
      : [path.posix.join(destDir, baseName)];
    if (owned.length > 0)
      await this.mustRun(['chown', '-R', `${this.user}:`, '--', ...owned], `chown ${owned.join(' ')}`);
  }

  async download(source: string, target: string): Promise<void> {
    const sourcePath = this.expandHome(source);
    const container = this.docker.getContainer(this.nodeId);
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: sourcePath });
    } catch (err) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `cannot read ${source} on ${this.nodeId}`, { cause: err });
    }
    const baseName = path.posix.basename(sourcePath);
    const targetStat = await fsp.stat(target).catch(() => undefined);
    // Like rsync/cp: into an existing folder keeps the name, otherwise the copy is named `target`.
    const intoDir = targetStat?.isDirectory() === true;
    const destDir = intoDir ? target : path.dirname(path.resolve(target));
    const newName = intoDir ? baseName : path.basename(target);
    await fsp.mkdir(destDir, { recursive: true });
    await pipeline(
      archive,
      tar.extract(destDir, {
        map: (h) => {
          const rest = h.name === baseName ? '' : h.name.slice(baseName.length + 1);
          h.name = rest === '' ? newName : path.posix.join(newName, rest);
          return h;
        },
      }) as unknown as fs.WriteStream,
    );
  }

  interactiveShellArgv(command?: string): string[] {
    const argv = ['docker', 'exec', '-it', '-u', this.user, '-w', this.home, this.nodeId, 'bash'];
    if (command !== undefined) argv.push('-c', buildNodeScript({ command }));
    return argv;
  }

  private get home(): string {
    return this.user === 'root' ? '/root' : `/home/${this.user}`;
  }

  private expandHome(p: string): string {
    if (p === '~') return this.home;
    if (p.startsWith('~/')) return `${this.home}/${p.slice(2)}`;
    return p;
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

/** Quoted form of an argv, for showing a command a user can run by hand. */
export function showArgv(argv: string[]): string {
  return argv.map(quote).join(' ');
}

/**
 * The one module that speaks SSH: a CommandRunner for a host reached with the system `ssh`, one
 * shared connection per host (ControlMaster, socket in a private folder). Measured in
 * bench/ssh.mjs against `ssh host true` and the `ssh2` library.
 *
 * Commands travel on stdin, never in an argv: the remote side runs a fixed wrapper that reads
 * the script up to a NUL byte and evaluates it, so environment values (possibly secret) appear
 * in no process list, here or on the host. Whatever follows the NUL is the command's own stdin.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { env } from '../../config/env.js';
import { resolveLocalPath } from '../../config/prepare.js';
import type { AuthConfig } from '../../config/types.js';
import { systemClock } from '../clock.js';
import { withDeadline } from '../deadline.js';
import { CloudtikError } from '../errors.js';
import { runTool, spawnDuplex } from '../process.js';
import {
  OutputTail,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
  type ShellArgvOptions,
} from './runner.js';
import { isRetryable, sshFailureError, sshFailureKind, type SshFailureKind } from './ssh-errors.js';
import { hostKeyOptions, prepareKnownHosts, readPinnedKeys } from './ssh-known-hosts.js';
import { buildNodeScript, quote, quoteArgs, SCRIPT_FROM_STDIN, scriptStdin } from './shell.js';
import { planUpload, unpackDownload } from './transfer.js';

export interface SshTarget {
  nodeId: string;
  host: string;
  /** `auth.ssh_port`, default 22. */
  port?: number;
  /** `auth.ssh_user`. */
  user: string;
  /** `auth.ssh_private_key` (a path; the key itself is never read here). */
  privateKeyPath?: string;
  /** `auth.ssh_proxy_command` (OpenSSH ProxyCommand, `%h`/`%p` expanded by ssh). */
  proxyCommand?: string;
  /** The workspace's known_hosts file (see ssh-known-hosts.ts). */
  knownHostsPath: string;
  /** Private folder of the shared-connection sockets; default `<cloudtik home>/ssh`. */
  controlDir?: string;
  /** Deadline of a connection, retries included; default 30 s. */
  connectTimeoutMs?: number;
}

/** Reads the script (up to NUL) from stdin and runs it; the rest of stdin is the script's. */
const WRAPPER = `export LANG=C.UTF-8 LC_ALL=C.UTF-8; ${SCRIPT_FROM_STDIN}`;
/** Environment variable that marks the processes of one command. */
const RUN_MARK = 'CLOUDTIK_RUN_MARK';
/** How long an idle shared connection stays open after the last command. */
const CONTROL_PERSIST_S = 30;

/**
 * Connections this process opened (or found open), by socket: runners made for the same host
 * share one. A connection that died later is reopened by the next command's ssh (ControlMaster=auto).
 */
const connections = new Map<string, Promise<void>>();

/**
 * A shell loop (run on the host) printing the pids of processes that commands of this runner
 * started: those whose environment carries `mark`, or with no `mark` any command's mark but the
 * running script's own.
 */
export function markedPids(mark?: string): string {
  const test =
    mark === undefined
      ? `grep -qsz '^${RUN_MARK}=' "$p/environ" && ! grep -qsxz "${RUN_MARK}=\${${RUN_MARK}:-}" "$p/environ"`
      : `grep -qsxz ${RUN_MARK}=${mark} "$p/environ"`;
  return `for p in /proc/[0-9]*; do ${test} && echo "\${p#/proc/}"; done`;
}

/**
 * `command` started without the command's mark, for a daemon that outlives the cluster (a host's
 * Docker engine): a host given back ends what carries the mark.
 */
export function unmarked(command: string): string {
  return `env -u ${RUN_MARK} ${command}`;
}

export function createSshRunner(target: SshTarget): SshRunner {
  return new SshRunner(target);
}

/**
 * The target of a host from the cluster's `auth` keys (CloudTik's names): `ssh_user`, `ssh_port`
 * (default 22), `ssh_private_key` (`~` and paths relative to the config file's folder resolved)
 * and `ssh_proxy_command`.
 */
export function sshTargetFromAuth(
  auth: AuthConfig,
  node: { nodeId: string; host: string },
  options: { knownHostsPath: string; configDir: string },
): SshTarget {
  const key = auth.ssh_private_key;
  return {
    ...node,
    user: auth.ssh_user,
    port: auth.ssh_port === undefined ? 22 : Number(auth.ssh_port),
    privateKeyPath: key === undefined || key === '' ? undefined : resolveLocalPath(key, options.configDir),
    proxyCommand: auth.ssh_proxy_command === '' ? undefined : auth.ssh_proxy_command,
    knownHostsPath: options.knownHostsPath,
  };
}

export class SshRunner implements CommandRunner {
  readonly nodeId: string;
  private readonly port: number;
  private readonly controlDir: string;

  constructor(private readonly target: SshTarget) {
    this.nodeId = target.nodeId;
    this.port = target.port ?? 22;
    const dir = target.controlDir ?? path.join(env.home(), 'ssh');
    // Socket paths are limited to 107 bytes; ssh needs 17 more while it creates one.
    this.controlDir = dir.length + 17 + 17 < 104 ? dir : `/tmp/cloudtik-ssh-${process.getuid?.() ?? 'user'}`;
  }

  private get destination(): string {
    return `${this.target.user}@${this.target.host}`;
  }

  /** Options of every ssh call to this host (no secret: a key's path, never its contents). */
  sshOptions(): string[] {
    const t = this.target;
    const connectS = Math.max(1, Math.min(10, Math.ceil((t.connectTimeoutMs ?? 30_000) / 1000)));
    const o = (kv: string): string[] => ['-o', kv];
    return [
      ...(t.privateKeyPath ? ['-i', t.privateKeyPath, ...o('IdentitiesOnly=yes')] : []),
      '-p',
      String(this.port),
      ...hostKeyOptions(t.knownHostsPath),
      ...o('BatchMode=yes'),
      ...o(`ConnectTimeout=${connectS}`),
      ...o('ServerAliveInterval=5'),
      ...o('ServerAliveCountMax=6'),
      ...o('ControlMaster=auto'),
      ...o(`ControlPath=${this.controlPath()}`),
      ...o(`ControlPersist=${CONTROL_PERSIST_S}`),
      ...o('ExitOnForwardFailure=yes'),
      ...o('LogLevel=ERROR'),
      ...(t.proxyCommand ? o(`ProxyCommand=${t.proxyCommand}`) : []),
    ];
  }

  /**
   * The shared connection's socket: named by everything that decides trust (user, host, port, key,
   * known_hosts file, proxy), so another key or another workspace's pinned keys never ride on it.
   * Short, because ssh adds 17 characters and a socket path must stay under 108.
   */
  private controlPath(): string {
    const t = this.target;
    const text = JSON.stringify([
      t.user,
      t.host,
      this.port,
      t.privateKeyPath ?? '',
      t.knownHostsPath,
      t.proxyCommand ?? '',
    ]);
    return path.join(this.controlDir, crypto.createHash('sha256').update(text).digest('hex').slice(0, 16));
  }

  /**
   * A byte stream to `remote` (a program that speaks on its stdin and stdout, like `docker system
   * dial-stdio`), over the shared connection once {@link connect} opened it.
   */
  dial(remote: string): Duplex {
    return spawnDuplex('ssh', [...this.sshOptions(), '-T', this.destination, remote], `ssh to ${this.nodeId}`);
  }

  /** Open (or find) the shared connection, retrying a host that is not up yet until the deadline. */
  connect(signal?: AbortSignal): Promise<void> {
    const key = this.controlPath();
    let open = connections.get(key);
    if (open === undefined) {
      open = this.openConnection(signal).catch((err: unknown) => {
        connections.delete(key);
        throw err;
      });
      connections.set(key, open);
    }
    return open;
  }

  private async openConnection(signal?: AbortSignal): Promise<void> {
    await this.checkKeyFile();
    await fsp.mkdir(this.controlDir, { recursive: true, mode: 0o700 });
    await fsp.chmod(this.controlDir, 0o700);
    await prepareKnownHosts(this.target.knownHostsPath);
    // A connection left open by an earlier command (of this or another cloudtik process) is reused.
    if ((await runTool('ssh', [...this.sshOptions(), '-O', 'check', this.destination], { signal })).code === 0) return;
    const ms = this.target.connectTimeoutMs ?? 30_000;
    const t0 = Date.now();
    let last = { kind: 'timeout' as SshFailureKind, stderr: '' };
    const seconds = (): number => Math.round((Date.now() - t0) / 100) / 10;
    await withDeadline(
      async (deadline) => {
        for (;;) {
          const r = await runTool('ssh', [...this.sshOptions(), '-f', '-N', this.destination], { signal: deadline });
          if (r.code === 0) return;
          const kind = sshFailureKind(r.stderr);
          // Not a connection problem ssh names (a bad option, a local file): retrying cannot help.
          if (kind === undefined || !isRetryable(kind)) throw await this.failure(kind ?? 'other', r.stderr, seconds());
          last = { kind, stderr: r.stderr };
          await systemClock.sleep(500, deadline);
        }
      },
      {
        ms,
        signal,
        expired: () => sshFailureError(last.kind, this.endpoint(), { stderr: last.stderr, seconds: seconds() }),
      },
    );
  }

  private endpoint() {
    const t = this.target;
    return {
      host: t.host,
      port: this.port,
      user: t.user,
      privateKeyPath: t.privateKeyPath,
      knownHostsPath: t.knownHostsPath,
    };
  }

  private async failure(kind: SshFailureKind, stderr: string, seconds: number): Promise<CloudtikError> {
    const pinned =
      kind === 'host-key' ? await readPinnedKeys(this.target.knownHostsPath, this.target.host, this.port) : [];
    return sshFailureError(kind, this.endpoint(), { stderr, seconds, pinned });
  }

  private async checkKeyFile(): Promise<void> {
    const key = this.target.privateKeyPath;
    if (key === undefined) return;
    try {
      await fsp.access(key, fs.constants.R_OK);
    } catch {
      throw new CloudtikError('ERR_CLOUDTIK_CONFIG', `auth.ssh_private_key: cannot read ${key}`, {
        hint: 'set auth.ssh_private_key to the path of the private key whose public key the hosts accept',
      });
    }
  }

  async run(options: RunOptions): Promise<CommandResult> {
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    const outText = new StringDecoder('utf8');
    const errText = new StringDecoder('utf8');
    const emit = (tail: OutputTail, cb: ((c: string) => void) | undefined, text: string): void => {
      if (text === '') return;
      tail.push(text);
      cb?.(text);
    };
    const code = await this.execScript(buildNodeScript({ command: options.command, env: options.env }), {
      asRoot: options.asRoot,
      stdin: options.stdin,
      signal: options.signal,
      onStdout: (b) => emit(stdout, options.onStdout, outText.write(b)),
      onStderr: (b) => emit(stderr, options.onStderr, errText.write(b)),
    });
    emit(stdout, options.onStdout, outText.end());
    emit(stderr, options.onStderr, errText.end());
    return { exitCode: code, stdout: stdout.toString(), stderr: stderr.toString() };
  }

  /** Run a script on the host (sent on stdin); its exit code. A failed connection throws. */
  private async execScript(
    script: string,
    o: {
      asRoot?: boolean;
      stdin?: NodeJS.ReadableStream;
      signal?: AbortSignal;
      onStdout: (b: Buffer) => void;
      onStderr?: (b: Buffer) => void;
    },
  ): Promise<number> {
    await this.connect(o.signal).catch((err: unknown) => {
      throw o.signal?.aborted ? this.interrupted() : err;
    });
    // A mark in the command's environment (not its argv) finds what it started if it is interrupted.
    const mark = crypto.randomBytes(8).toString('hex');
    const input = scriptStdin(`export ${RUN_MARK}=${mark}\n${script}`, o.stdin);
    const remote = remoteCommand(o.asRoot === true);
    let errTail = '';
    const t0 = Date.now();
    const r = await runTool('ssh', [...this.sshOptions(), '-T', this.destination, remote], {
      input,
      signal: o.signal,
      keepOutput: false,
      onStdout: o.onStdout,
      onStderr: (b) => {
        errTail = (errTail + b.toString('utf8')).slice(-4096);
        o.onStderr?.(b);
      },
    }).catch(async (err: unknown) => {
      if (!o.signal?.aborted) throw err;
      await this.stopMarked(mark, o.asRoot === true);
      throw this.interrupted();
    });
    const kind = r.code === 255 ? sshFailureKind(errTail) : undefined;
    if (kind !== undefined) throw await this.failure(kind, errTail, Math.round((Date.now() - t0) / 1000));
    return r.code;
  }

  private interrupted(): CloudtikError {
    return new CloudtikError('ERR_CLOUDTIK_INTERRUPTED', `command on ${this.nodeId} interrupted`);
  }

  /**
   * Stop the processes of an interrupted command (closing the session does not: without a
   * terminal, sshd leaves them running): those whose environment carries its mark.
   */
  private async stopMarked(mark: string, asRoot: boolean): Promise<void> {
    const script = `pids=$(${markedPids(mark)}); [ -z "$pids" ] || kill -TERM $pids 2>/dev/null; true`;
    await withDeadline(
      (signal) =>
        runTool('ssh', [...this.sshOptions(), '-T', this.destination, remoteCommand(asRoot)], {
          input: `${script}\0`,
          signal,
        }),
      { ms: 10_000, expired: () => new Error('stopping an interrupted command timed out') },
    ).catch(() => undefined); // best effort: the interruption is what the caller hears about
  }

  async upload(source: string, target: string): Promise<void> {
    const plan = await planUpload(source, target);
    const dir = remotePath(plan.destDir);
    const copied = plan.copied.map(remotePath).join(' ');
    const asRoot = `mkdir -p ${dir} && tar -x --no-same-owner -f - -C ${dir} && chown -R ${quote(`${this.target.user}:`)} -- ${copied}`;
    // As the user where it may (so the copy is the user's), through sudo elsewhere.
    const script = `if mkdir -p ${dir} 2>/dev/null && [ -w ${dir} ]; then tar -x -f - -C ${dir}; else sudo -n bash -c ${quote(asRoot)}; fi`;
    await this.mustRun(script, plan.archive, `upload ${source} to ${target}`);
  }

  async download(source: string, target: string): Promise<void> {
    const trimmed = source.length > 1 ? source.replace(/\/+$/, '') : source;
    const parent = path.posix.dirname(trimmed);
    const base = path.posix.basename(trimmed);
    const archive = new PassThrough();
    const unpacked = unpackDownload(archive, trimmed, target);
    let stderr = '';
    const code = await this.execScript(`tar -c -f - -C ${remotePath(parent)} -- ${quote(base)}`, {
      onStdout: (b) => archive.write(b),
      onStderr: (b) => (stderr += b.toString('utf8')),
    }).finally(() => archive.end());
    if (code !== 0) {
      await unpacked.catch(() => undefined);
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `cannot read ${source} on ${this.nodeId} (exit ${code})`, {
        details: stderr.trim().split('\n').slice(-5),
      });
    }
    await unpacked;
  }

  private async mustRun(script: string, stdin: NodeJS.ReadableStream, what: string): Promise<void> {
    let stderr = '';
    const code = await this.execScript(script, {
      stdin,
      onStdout: () => undefined,
      onStderr: (b) => (stderr += b.toString('utf8')),
    });
    if (code !== 0)
      throw new CloudtikError('ERR_CLOUDTIK_NODE_COMMAND', `${what} failed on ${this.nodeId} (exit ${code})`, {
        details: stderr.trim().split('\n').slice(-10),
      });
  }

  /** `ssh -t` argv of an interactive shell (or `command`) on the host, in a real terminal. */
  interactiveShellArgv(command?: string, options: ShellArgvOptions = {}): string[] {
    const forwards = (options.forwardPorts ?? []).flatMap((p) => ['-L', `${p}:localhost:${p}`]);
    const argv = ['ssh', ...this.sshOptions(), '-t', ...forwards, this.destination];
    if (command !== undefined) argv.push('--', quoteArgs(['bash', '-c', buildNodeScript({ command })]));
    return argv;
  }

  /** End the shared connection (commands after this open a new one). */
  async close(): Promise<void> {
    connections.delete(this.controlPath());
    await runTool('ssh', [...this.sshOptions(), '-O', 'exit', this.destination]).catch(() => undefined);
  }
}

/**
 * The command line sshd hands to the user's login shell: fixed, whatever the script holds. The
 * script follows on stdin, ended by NUL (see {@link WRAPPER}).
 */
export function remoteCommand(asRoot: boolean): string {
  return asRoot ? `cd / && exec sudo -n -H -- bash -c ${quote(WRAPPER)}` : `exec bash -c ${quote(WRAPPER)}`;
}

/** A node path as a shell word, with a leading `~` left for the remote shell to expand. */
export function remotePath(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"/${quote(p.slice(2))}`;
  return quote(p);
}

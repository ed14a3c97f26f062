/**
 * Command runners of hosts reached over SSH (the local and onpremise providers): one shared
 * connection per host, and on some hosts an environment every command gets first.
 */
import type { AuthConfig } from '../../config/types.js';
import type { CommandResult, CommandRunner, RunOptions, ShellArgvOptions } from '../../core/command/runner.js';
import { createSshRunner, sshTargetFromAuth, type SshRunner } from '../../core/command/ssh.js';

/** A runner whose commands all get some environment first. */
export class WithEnv implements CommandRunner {
  readonly nodeId: string;
  constructor(
    private readonly inner: CommandRunner,
    private readonly env: Record<string, string>,
  ) {
    this.nodeId = inner.nodeId;
  }
  run(options: RunOptions): Promise<CommandResult> {
    return this.inner.run({ ...options, env: { ...this.env, ...options.env } });
  }
  upload(source: string, target: string): Promise<void> {
    return this.inner.upload(source, target);
  }
  download(source: string, target: string): Promise<void> {
    return this.inner.download(source, target);
  }
  interactiveShellArgv(command?: string, options?: ShellArgvOptions): string[] {
    return this.inner.interactiveShellArgv(command, options);
  }
}

export interface HostRunners {
  runnerFor: (host: string) => CommandRunner;
  /** The shared SSH connection to a host itself (no environment added). */
  sshFor: (host: string) => SshRunner;
  /** Ends the shared connection to a host, also one another process (the head's controller) left open. */
  closeHost: (host: string) => Promise<void>;
}

/**
 * A runner per host over SSH, made once and kept; `envOf` gives the environment a host's commands
 * get (none when it returns undefined).
 */
export function sshHostRunners(
  auth: AuthConfig,
  knownHostsPath: string,
  envOf: (host: string) => Record<string, string> | undefined,
): HostRunners {
  const cache = new Map<string, CommandRunner>();
  const connections = new Map<string, SshRunner>();
  const sshTo = (host: string): SshRunner => {
    let ssh = connections.get(host);
    // The config loader made the key's path absolute, so the folder given here is never used.
    ssh ??= createSshRunner(sshTargetFromAuth(auth, { nodeId: host, host }, { knownHostsPath, configDir: '/' }));
    connections.set(host, ssh);
    return ssh;
  };
  return {
    runnerFor(host) {
      let runner = cache.get(host);
      if (runner) return runner;
      const env = envOf(host);
      runner = env ? new WithEnv(sshTo(host), env) : sshTo(host);
      cache.set(host, runner);
      return runner;
    },
    sshFor: sshTo,
    closeHost: (host) => sshTo(host).close(),
  };
}

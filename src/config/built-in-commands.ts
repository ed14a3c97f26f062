import { quote } from '../core/command/shell.js';
import type { CommandKey } from './types.js';

/** Command lists keyed like a config's own command keys (`setup_commands`, `head_start_commands`, ...). */
export type CommandLists = Partial<Record<CommandKey, string[]>>;

/**
 * The commands of the built-in `cloudtik` group, in the three places CloudTik puts them:
 * `pre` runs before any runtime, `node` between system runtimes (such as service discovery)
 * and normal runtimes, `post` after all runtimes.
 */
export interface BuiltInCommands {
  /** Install the cloudtik package; start the head's state store and controller; stop the controller first. */
  pre: CommandLists;
  /** Restart the node agent on every node. */
  node: CommandLists;
  /** Stop the state store last. */
  post: CommandLists;
}

/** The keys of a config that decide the built-in commands. */
export interface BuiltInCommandsInput {
  cloudtik_package_url?: string;
  cloudtik_wheel_url?: string;
}

/** Whether a URL names a Python wheel, which this implementation cannot install. */
export function isPythonWheel(url: string): boolean {
  return /\.whl(?:[?#].*)?$/i.test(url);
}

/**
 * The package URL nodes install cloudtik from: `cloudtik_package_url`, else
 * `cloudtik_wheel_url` unless it is a Python wheel (`.whl`). `undefined` means the node
 * image's own cloudtik is used.
 */
export function packageUrlOf(config: BuiltInCommandsInput): string | undefined {
  if (config.cloudtik_package_url) return config.cloudtik_package_url;
  const wheel = config.cloudtik_wheel_url;
  return wheel && !isPythonWheel(wheel) ? wheel : undefined;
}

/** What npm is given for a package URL: the path of a `file://` URL (percent-escapes decoded), else the URL as it is. */
export function packageInstallTarget(url: string): string {
  const match = /^file:\/\/(?:localhost)?(\/.*)$/is.exec(url);
  if (!match) return url;
  const filePath = match[1]!;
  try {
    return decodeURIComponent(filePath);
  } catch {
    return filePath;
  }
}

/** The shell command that installs the cloudtik npm tarball at `url` globally; the target is one quoted word. */
export function packageInstallCommand(url: string): string {
  return `sudo npm install -g --no-audit --no-fund --prefer-offline ${quote(packageInstallTarget(url))}`;
}

/**
 * The built-in `cloudtik` commands for a config. Pure: the same config always gives the same commands.
 * - setup: when a package URL is set (see `packageUrlOf`), one command installing it on every node;
 * - start: the head's state store (kept running when it already runs, so scale requests and events
 *   survive a re-run of `start`) and its controller, then the node agent on every node;
 * - stop: the controller first (so nothing relaunches), the agents, the state store last.
 */
export function builtInCommands(config: BuiltInCommandsInput): BuiltInCommands {
  const pre: CommandLists = {
    // The controller starts right after the state store: workers launch and set up while the
    // head's runtimes start (their daemons keep trying until the head's services answer).
    head_start_commands: ['cloudtik node start --head --state', 'cloudtik node start --head --controller --restart'],
    head_stop_commands: ['cloudtik node stop --controller'],
  };
  const url = packageUrlOf(config);
  if (url !== undefined) pre.setup_commands = [packageInstallCommand(url)];
  const node: CommandLists = {
    head_start_commands: ['cloudtik node start --head --restart'],
    worker_start_commands: ['cloudtik node start --restart'],
    stop_commands: ['cloudtik node stop'],
  };
  const post: CommandLists = {
    head_stop_commands: ['cloudtik node stop --state'],
  };
  return { pre, node, post };
}

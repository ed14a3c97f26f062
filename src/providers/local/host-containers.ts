/**
 * Nodes as containers on hosts reached over SSH (`docker.enabled` on pooled hosts): each host runs
 * its node in a container of the same node image as a virtual node, on the host's network, so the
 * runtimes answer at the host's address. The host's engine is driven through its API over the
 * host's shared SSH connection (see host-docker.ts); commands reach the node by `docker exec`.
 */
import {
  tailLines,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
  type ShellArgvOptions,
} from '../../core/command/runner.js';
import { CloudtikError } from '../../core/errors.js';
import type { SshRunner } from '../../core/command/ssh.js';
import { quote } from '../../core/command/shell.js';
import { logEvent, type EventSink } from '../../core/events.js';
import { bootCommand } from '../../core/updater/resume.js';
import { creationLabels, TAG, type ImageBuilder, type NodeInfo, type NodeKind, type NodeStart } from '../provider.js';
import { loadProvider } from '../registry.js';
import { isDockerStatus } from '../virtual/docker-client.js';
import { DockerExecRunner, dockerExecShellArgv } from '../virtual/docker-runner.js';
import type { DockerEngine } from '../virtual/engine.js';
import { NODE_CAPABILITIES } from '../virtual/mounts.js';
import { ensureHostEngine, hostEngine, shipImage } from './host-docker.js';
import { WithEnv } from './runners.js';

/** The virtual provider's node images, built here when missing (loaded when first needed). */
export async function nodeImages(): Promise<ImageBuilder> {
  const images = (await loadProvider('virtual')).images;
  if (!images) throw new Error('the virtual provider builds no images');
  return images;
}

/** See the virtual provider: a node someone stopped by hand stays stopped until `cloudtik start`. */
const RESTART_POLICY = { Name: 'unless-stopped' } as const;

export interface HostContainerOptions {
  workspaceName: string;
  clusterName: string;
  /** The user commands run as in the container (`auth.ssh_user`). */
  sshUser: string;
  /** The shared SSH connection to a host. */
  sshFor: (host: string) => SshRunner;
  /**
   * The engine node images are sent from: this machine's for the CLI; for the head's controller,
   * the head host's engine (it got them from the CLI).
   */
  imageSource: () => Promise<DockerEngine>;
  /** Makes sure an image is in the image source (built when missing); unset where it is given. */
  ensureImage?: (ref: string, sink: EventSink) => Promise<void>;
  /**
   * What a head that shares this machine's files needs (the local provider's head: the user's
   * cloudtik folder, the SSH key): host paths bound at the same path, the environment its commands
   * get, and the uid its user must have to write those files as the user does.
   */
  head?: { binds: string[]; env: Record<string, string>; uid: number | undefined };
}

/** A new node container: which node, from which image, with which host folders. */
export interface HostContainerSpec {
  node: NodeInfo;
  image: string;
  launchHash: string;
  /** Host paths bind-mounted at the same path (data disks). */
  binds: string[];
}

export class HostContainers {
  private readonly engines = new Map<string, Promise<DockerEngine>>();
  private source: Promise<DockerEngine> | undefined;
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(private readonly options: HostContainerOptions) {}

  /** One node of a cluster per host: the container is named after the cluster. */
  get containerName(): string {
    return `cloudtik-${this.options.workspaceName}-${this.options.clusterName}`;
  }

  /** The host's engine, over its shared SSH connection (opened once). */
  engine(host: string): Promise<DockerEngine> {
    let engine = this.engines.get(host);
    if (!engine) {
      engine = hostEngine(this.options.sshFor(host));
      engine.catch(() => this.engines.delete(host));
      this.engines.set(host, engine);
    }
    return engine;
  }

  /** Forget a host's engine (its connection was closed, the host given back). */
  forget(host: string): void {
    this.engines.delete(host);
  }

  /**
   * The host's engine answers (Debian's docker.io installed when none does) and has `image`, sent
   * from the image source when it lacks it. Says whether the image was sent.
   */
  async readyHost(host: string, image: string, sink: EventSink): Promise<{ sent: boolean }> {
    const ssh = this.options.sshFor(host);
    if ((await ensureHostEngine(ssh)) === 'installed') logEvent(sink, 'info', `host ${host}: Docker engine installed`);
    await this.ensure(image, sink);
    this.source ??= this.options.imageSource();
    const t0 = Date.now();
    const { sent } = await shipImage(await this.source, ssh, image).catch((err: unknown) => {
      if (!isDockerStatus(err, 404)) throw err;
      throw new CloudtikError('ERR_CLOUDTIK_IMAGE', `node image ${image} is not there to send to host ${host}`, {
        hint: 'build it where cloudtik runs (cloudtik image build), or load it into the Docker engine there',
      });
    });
    if (sent) logEvent(sink, 'info', `host ${host}: sent image ${image} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return { sent };
  }

  /** The image is in the image source, once per image (launches of one start share it). */
  private ensure(image: string, sink: EventSink): Promise<void> {
    const ensure = this.options.ensureImage;
    if (!ensure) return Promise.resolve();
    let done = this.ensured.get(image);
    if (!done) {
      done = ensure(image, sink);
      done.catch(() => this.ensured.delete(image));
      this.ensured.set(image, done);
    }
    return done;
  }

  /** Makes and starts the node's container (an earlier one of the cluster on that host is replaced). */
  async create(spec: HostContainerSpec): Promise<void> {
    const engine = await this.engine(spec.node.id);
    await this.removeOn(engine);
    const labels = creationLabels({
      workspace: this.options.workspaceName,
      cluster: this.options.clusterName,
      kind: spec.node.kind,
      nodeType: spec.node.nodeType,
      launchHash: spec.launchHash,
      seqId: spec.node.seqId,
      limits: spec.node.limits,
    });
    const container = await engine.createContainer({
      name: this.containerName,
      Image: spec.image,
      Cmd: bootCommand(),
      Labels: labels,
      Env: ['LC_ALL=C.UTF-8', 'LANG=C.UTF-8'],
      HostConfig: {
        Init: true,
        NetworkMode: 'host',
        Binds: [...spec.binds, ...(spec.node.kind === 'head' ? (this.options.head?.binds ?? []) : [])].map(
          (p) => `${p}:${p}`,
        ),
        CapAdd: NODE_CAPABILITIES,
        RestartPolicy: RESTART_POLICY,
      },
    });
    await container.start();
    const uid = this.options.head?.uid;
    if (spec.node.kind === 'head' && uid !== undefined) await this.takeUid(engine, spec.node.id, uid);
  }

  /** The container's user gets `uid` (files it writes in bound folders are then the user's). */
  private async takeUid(engine: DockerEngine, host: string, uid: number): Promise<void> {
    const user = this.options.sshUser;
    if (user === 'root') return;
    const u = quote(user);
    const script = [
      `id -u ${u} >/dev/null 2>&1 || useradd -m -s /bin/bash ${u}`,
      `[ "$(id -u ${u})" = ${uid} ] || usermod -o -u ${uid} ${u}`,
    ].join('\n');
    const r = await new DockerExecRunner(engine, host, 'root', this.containerName).execArgv(['bash', '-c', script]);
    if (r.exitCode !== 0) {
      throw new CloudtikError('ERR_CLOUDTIK_NODE_UPDATE', `host ${host}: cannot give ${user} uid ${uid} in the node`, {
        details: tailLines(r.stderr + r.stdout, 10),
      });
    }
  }

  private async removeOn(engine: DockerEngine): Promise<void> {
    try {
      await engine.getContainer(this.containerName).remove({ force: true, v: true });
    } catch (err) {
      if (!isDockerStatus(err, 404)) throw err;
    }
  }

  /** Shell (as root on the host) removing every container of this cluster there. */
  get removeScript(): string {
    const filters = [`${TAG.workspace}=${this.options.workspaceName}`, `${TAG.cluster}=${this.options.clusterName}`]
      .map((l) => `--filter label=${quote(l)}`)
      .join(' ');
    return `command -v docker >/dev/null || exit 0\ndocker ps -aq ${filters} | xargs -r docker rm -f -v >/dev/null`;
  }

  /** When the node's container last started; undefined when the host has none of the cluster's. */
  async started(host: string): Promise<NodeStart | undefined> {
    try {
      const c = await (await this.engine(host)).getContainer(this.containerName).inspect();
      const startedAt = Date.parse(c.State.StartedAt ?? '');
      return { startedAt: c.State.Running && startedAt > 0 ? startedAt : undefined, restartCount: c.RestartCount ?? 0 };
    } catch (err) {
      if (isDockerStatus(err, 404)) return undefined;
      throw err;
    }
  }

  async start(host: string): Promise<void> {
    try {
      await (await this.engine(host)).getContainer(this.containerName).start();
    } catch (err) {
      if (!isDockerStatus(err, 304)) throw err;
    }
  }

  async kill(host: string): Promise<void> {
    try {
      await (await this.engine(host)).getContainer(this.containerName).kill({ signal: 'SIGKILL' });
    } catch (err) {
      if (!isDockerStatus(err, 404) && !isDockerStatus(err, 409)) throw err;
    }
  }

  /** Runs commands in the node's container on `host`, by `docker exec` over the host's SSH connection. */
  runner(host: string, kind?: NodeKind): CommandRunner {
    const runner = new HostContainerRunner(
      host,
      this.containerName,
      this.options.sshUser,
      this.options.sshFor(host),
      () => this.engine(host),
    );
    const env = kind === 'head' ? this.options.head?.env : undefined;
    return env ? new WithEnv(runner, env) : runner;
  }
}

/** The container's runner, made once the host's engine answers. */
class HostContainerRunner implements CommandRunner {
  private inner: Promise<DockerExecRunner> | undefined;

  constructor(
    readonly nodeId: string,
    private readonly container: string,
    private readonly user: string,
    private readonly ssh: SshRunner,
    private readonly engine: () => Promise<DockerEngine>,
  ) {}

  private exec(): Promise<DockerExecRunner> {
    this.inner ??= this.engine().then((e) => new DockerExecRunner(e, this.nodeId, this.user, this.container));
    this.inner.catch(() => (this.inner = undefined));
    return this.inner;
  }

  async run(options: RunOptions): Promise<CommandResult> {
    return (await this.exec()).run(options);
  }

  async upload(source: string, target: string): Promise<void> {
    await (await this.exec()).upload(source, target);
  }

  async download(source: string, target: string): Promise<void> {
    await (await this.exec()).download(source, target);
  }

  /** `docker exec -it` on the host, through an SSH terminal to it. */
  interactiveShellArgv(command?: string, options: ShellArgvOptions = {}): string[] {
    const argv = ['sudo', '-n', ...dockerExecShellArgv(this.container, this.user, command)];
    return this.ssh.interactiveShellArgv(argv.map(quote).join(' '), options);
  }
}

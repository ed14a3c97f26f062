/**
 * A small client of the Docker Engine API: the calls cloudtik makes, over the engine's Unix socket,
 * TCP, or ssh (`ssh HOST docker system dial-stdio`, as the docker CLI itself reaches a remote engine).
 *
 * It replaces dockerode, whose loading alone (with the gRPC, protobuf and ssh libraries it pulls
 * in) took about 0.2 s of CPU in every process that talks to the engine: each `cloudtik` command
 * on the host before it does anything, and the head's controller right before it launches the
 * workers, while the head's engines start on the same cores.
 *
 * Requests use unversioned paths (the engine's own API version); `connectDocker` refuses engines
 * older than MIN_DOCKER_API. Errors carry the engine's HTTP status (`statusCode`) and message.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex, Readable, Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { spawnDuplex } from '../../core/process.js';

/** Where the engine listens. */
export type EngineEndpoint =
  | { socketPath: string }
  | { host: string; port: number }
  | { ssh: { host: string; port: number; username?: string } }
  /** Any way to a connection to the engine's socket (a host's engine through its SSH runner). */
  | { dial: () => Duplex };

/** A failed engine call: the HTTP status and the engine's message. */
export class DockerEngineError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'DockerEngineError';
  }
}

type QueryValue = string | number | boolean | string[] | Record<string, unknown> | undefined;
type Query = Record<string, QueryValue>;

/** Filters as the engine takes them: `{ label: ['a=b'] }`. */
export type Filters = Record<string, string[]>;

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Created: number;
  Labels: Record<string, string>;
  NetworkSettings: {
    Networks: Record<string, { IPAddress?: string; NetworkID?: string; IPAMConfig?: { IPv4Address?: string } | null }>;
  };
  Mounts?: { Source?: string; Destination?: string }[];
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  RestartCount?: number;
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt?: string; OOMKilled?: boolean };
  Config: { Labels?: Record<string, string> | null; Image?: string };
  NetworkSettings: { Networks?: Record<string, { IPAddress?: string }> };
  HostConfig?: { NanoCpus?: number; Memory?: number };
}

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags?: string[] | null;
  Created: number;
  Size: number;
  Labels?: Record<string, string> | null;
}

export interface ImageInspect {
  Id: string;
  RepoTags?: string[];
  Created: string;
  Size: number;
  Parent?: string;
  Config?: { Labels?: Record<string, string> | null; Env?: string[] | null };
}

/** One layer of an image, newest first in `Image.history()` (`docker history`). */
export interface ImageLayer {
  Id: string;
  Created: number;
  CreatedBy: string;
  Size: number;
}

export interface NetworkInspect {
  Id: string;
  Name: string;
  Created: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
  Containers?: Record<string, { Name?: string; IPv4Address?: string }> | null;
}

/** The build API's query (`t`, `nocache`, `buildargs`, `labels`, ...), and a signal that cancels it. */
export interface BuildOptions {
  t: string;
  pull?: boolean;
  nocache?: boolean;
  rm?: boolean;
  forcerm?: boolean;
  buildargs?: Record<string, string>;
  labels?: Record<string, string>;
  abortSignal?: AbortSignal;
}

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  Arch: string;
  Os: string;
}

export interface EngineInfo {
  NCPU: number;
  MemTotal: number;
  [key: string]: unknown;
}

/** Splits a `docker exec`/attach stream (8-byte frame headers) into stdout and stderr; does not end them. */
export function demuxStream(stream: Readable, stdout: Writable, stderr: Writable): void {
  let buffered: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 8) {
      const size = buffered.readUInt32BE(4);
      if (buffered.length < 8 + size) break;
      const payload = buffered.subarray(8, 8 + size);
      (buffered[0] === 2 ? stderr : stdout).write(payload);
      buffered = buffered.subarray(8 + size);
    }
  });
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else if (typeof value === 'object') params.append(key, JSON.stringify(value));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** The engine's message of an error answer (`{"message": ...}`), else the body as it is. */
function errorText(body: string, status: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.trim() || `HTTP ${status}`;
}

function isSuccess(res: http.IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  return status >= 200 && status < 300;
}

/** The error of an answer that is not 2xx: its status and the engine's message. */
async function answerError(res: http.IncomingMessage): Promise<DockerEngineError> {
  const status = res.statusCode ?? 0;
  return new DockerEngineError(status, errorText(await text(res), status));
}

/** A duplex over `ssh HOST docker system dial-stdio`: the remote engine's socket, through ssh. */
function sshConnection(ssh: { host: string; port: number; username?: string }): Duplex {
  const args = ['-o', 'BatchMode=yes', '-p', String(ssh.port)];
  if (ssh.username) args.push('-l', ssh.username);
  args.push('--', ssh.host, 'docker', 'system', 'dial-stdio');
  return spawnDuplex('ssh', args, `ssh to ${ssh.host}`);
}

interface RequestOptions {
  query?: Query;
  /** A JSON body, or a stream sent as it is (tar). */
  body?: unknown;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export class DockerEngine {
  private readonly agent: http.Agent | undefined;

  constructor(readonly endpoint: EngineEndpoint) {
    // Unix socket and TCP: connections are kept for the next call (idle ones do not keep the process alive).
    this.agent =
      'ssh' in endpoint || 'dial' in endpoint ? undefined : new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  private connection(): http.RequestOptions {
    const e = this.endpoint;
    if ('socketPath' in e) return { socketPath: e.socketPath, agent: this.agent };
    if ('host' in e) return { host: e.host, port: e.port, agent: this.agent };
    // No agent: each request gets its own connection.
    if ('dial' in e) return { createConnection: () => e.dial() };
    return { createConnection: () => sshConnection(e.ssh) };
  }

  private send(method: string, path: string, options: RequestOptions = {}): http.ClientRequest {
    const isStream = options.body !== undefined && typeof (options.body as Readable).pipe === 'function';
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined && !isStream) headers['Content-Type'] = 'application/json';
    if (isStream) headers['Content-Type'] ??= 'application/x-tar';
    const req = http.request({
      ...this.connection(),
      method,
      path: path + queryString(options.query),
      headers,
      signal: options.signal,
    });
    if (isStream) (options.body as Readable).pipe(req);
    else req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
    return req;
  }

  /** @internal A call answering with a stream (build progress, import progress, an archive). */
  requestStream(method: string, path: string, options: RequestOptions = {}): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.send(method, path, options);
      req.on('error', reject);
      req.on('response', (res) => {
        if (isSuccess(res)) resolve(res);
        else answerError(res).then(reject, reject);
      });
    });
  }

  /**
   * @internal A call whose answer comes back as it is, whatever its status: for passing requests
   * on (the cluster's Docker gate). `path` includes its query.
   */
  forward(
    method: string,
    path: string,
    options: { body?: Readable; headers?: Record<string, string> } = {},
  ): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request({ ...this.connection(), method, path, headers: options.headers });
      req.on('error', reject);
      req.on('response', resolve);
      if (options.body) options.body.pipe(req);
      else req.end();
    });
  }

  /** @internal A fresh raw connection to the engine (for requests that take the connection over). */
  connect(): Duplex {
    const e = this.endpoint;
    if ('socketPath' in e) return net.connect(e.socketPath);
    if ('host' in e) return net.connect(e.port, e.host);
    if ('dial' in e) return e.dial();
    return sshConnection(e.ssh);
  }

  /** @internal A call answering with JSON (or nothing). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const body = await text(await this.requestStream(method, path, options));
    return (body.trim() === '' ? undefined : JSON.parse(body)) as T;
  }

  version(): Promise<EngineVersion> {
    return this.request('GET', '/version');
  }

  info(): Promise<EngineInfo> {
    return this.request('GET', '/info');
  }

  listContainers(options: { all?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    return this.request('GET', '/containers/json', { query: { all: options.all, filters: options.filters } });
  }

  listImages(options: { filters?: Filters } = {}): Promise<ImageSummary[]> {
    return this.request('GET', '/images/json', { query: { filters: options.filters } });
  }

  listNetworks(options: { filters?: Filters } = {}): Promise<NetworkInspect[]> {
    return this.request('GET', '/networks', { query: { filters: options.filters } });
  }

  async createContainer(spec: { name?: string } & Record<string, unknown>): Promise<Container> {
    const { name, ...body } = spec;
    const created = await this.request<{ Id: string }>('POST', '/containers/create', { query: { name }, body });
    return this.getContainer(created.Id);
  }

  async createNetwork(spec: Record<string, unknown>): Promise<Network> {
    const created = await this.request<{ Id: string }>('POST', '/networks/create', { body: spec });
    return this.getNetwork(created.Id);
  }

  getContainer(id: string): Container {
    return new Container(this, id);
  }

  getImage(ref: string): Image {
    return new Image(this, ref);
  }

  getNetwork(id: string): Network {
    return new Network(this, id);
  }

  /** Build from a tar context; resolves with the JSON progress stream. */
  buildImage(context: Readable, options: BuildOptions): Promise<http.IncomingMessage> {
    const { abortSignal, ...query } = options;
    return this.requestStream('POST', '/build', { query, body: context, signal: abortSignal });
  }

  /** `docker import` of a root file system tarball; resolves with the JSON progress stream. */
  importImage(
    tarball: Readable,
    options: { repo: string; tag: string; changes?: string[]; abortSignal?: AbortSignal },
  ): Promise<http.IncomingMessage> {
    const query = { fromSrc: '-', repo: options.repo, tag: options.tag, changes: options.changes };
    return this.requestStream('POST', '/images/create', { query, body: tarball, signal: options.abortSignal });
  }

  /**
   * @internal Start an exec attached: the connection is taken over (HTTP upgrade) and becomes the
   * process's multiplexed output stream, and its stdin.
   */
  hijack(path: string, body: unknown): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const req = this.send('POST', path, { body, headers: { Connection: 'Upgrade', Upgrade: 'tcp' } });
      req.on('error', reject);
      req.on('upgrade', (_res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        // An engine that answers without upgrading: the body is the output (no stdin then).
        if (isSuccess(res)) resolve(res as unknown as Duplex);
        else answerError(res).then(reject, reject);
      });
    });
  }
}

export class Container {
  constructor(
    private readonly engine: DockerEngine,
    readonly id: string,
  ) {}

  private get path(): string {
    return `/containers/${encodeURIComponent(this.id)}`;
  }

  start(): Promise<void> {
    return this.engine.request('POST', `${this.path}/start`);
  }

  inspect(): Promise<ContainerInspect> {
    return this.engine.request('GET', `${this.path}/json`);
  }

  remove(options: { force?: boolean; v?: boolean } = {}): Promise<void> {
    return this.engine.request('DELETE', this.path, { query: options });
  }

  kill(options: { signal?: string } = {}): Promise<void> {
    return this.engine.request('POST', `${this.path}/kill`, { query: options });
  }

  async exec(spec: Record<string, unknown>): Promise<Exec> {
    const created = await this.engine.request<{ Id: string }>('POST', `${this.path}/exec`, { body: spec });
    return new Exec(this.engine, created.Id);
  }

  /** Extract a tar stream into `path` in the container. */
  async putArchive(tarball: Readable, options: { path: string }): Promise<void> {
    const res = await this.engine.requestStream('PUT', `${this.path}/archive`, { query: options, body: tarball });
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
  }

  /** `path` in the container as a tar stream. */
  getArchive(options: { path: string }): Promise<Readable> {
    return this.engine.requestStream('GET', `${this.path}/archive`, { query: options });
  }
}

export class Exec {
  constructor(
    private readonly engine: DockerEngine,
    readonly id: string,
  ) {}

  /** Run it attached: resolves with its multiplexed output stream (see `demuxStream`), also its stdin. */
  start(): Promise<Duplex> {
    return this.engine.hijack(`/exec/${this.id}/start`, { Detach: false, Tty: false });
  }

  inspect(): Promise<{ ExitCode: number | null; Running: boolean }> {
    return this.engine.request('GET', `/exec/${this.id}/json`);
  }
}

export class Image {
  constructor(
    private readonly engine: DockerEngine,
    readonly ref: string,
  ) {}

  inspect(): Promise<ImageInspect> {
    return this.engine.request('GET', `/images/${this.ref}/json`);
  }

  history(): Promise<ImageLayer[]> {
    return this.engine.request('GET', `/images/${this.ref}/history`);
  }

  /** `docker save` of this image: a tar stream of its layers and config (the body of the answer). */
  export(): Promise<http.IncomingMessage> {
    return this.engine.requestStream('GET', `/images/${this.ref}/get`);
  }

  remove(options: { force?: boolean } = {}): Promise<void> {
    return this.engine.request('DELETE', `/images/${this.ref}`, { query: options });
  }
}

export class Network {
  constructor(
    private readonly engine: DockerEngine,
    readonly id: string,
  ) {}

  inspect(): Promise<NetworkInspect> {
    return this.engine.request('GET', `/networks/${encodeURIComponent(this.id)}`);
  }

  remove(): Promise<void> {
    return this.engine.request('DELETE', `/networks/${encodeURIComponent(this.id)}`);
  }
}

/**
 * The pool as the service holds it for its lifetime: the pool file's hosts and instance types,
 * the state, the launches it refused. Calls are served at the same time, but every change of the
 * state runs alone (one queue) and is written to the state file before its call returns, so two
 * clients can never be given the same host and an answer never tells of a change a crash loses.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { isConfigError } from '../../../config/issues.js';
import type { PoolMethod, PoolMethods, PoolStatus } from '../protocol.js';
import { freeHostsInOrder } from '../../local/hosts.js';
import { loadPoolConfig, type PoolConfig } from './config.js';
import {
  addWorkspace,
  allocateHosts,
  clearMarks,
  freeCounts,
  listHosts,
  ownerOf,
  PoolFault,
  readPoolState,
  reconcilePool,
  releaseHosts,
  removeWorkspace,
  setHostTags,
  unansweredOf,
  writePoolState,
  type PoolState,
  type Refusal,
} from './state.js';

/** How many refused launches `status` keeps. */
export const REFUSALS_KEPT = 100;

export interface PoolDeps {
  stateFile: string;
  /** The address the service answers at (for `status`). */
  address: () => string;
  now: () => number;
  /** A line for the service's log; `loud` ones are also shown where the service runs. */
  log: (line: string, loud?: boolean) => void;
}

/** The methods the pool itself serves (`shutdown` is the server's). */
export type PoolCall = Exclude<PoolMethod, 'shutdown'>;

interface Pending {
  decide: (state: PoolState) => { state: PoolState; result: unknown };
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Handlers = {
  [M in PoolCall]: (...args: PoolMethods[M]['args']) => Promise<PoolMethods[M]['result']>;
};

/** A read of the state as a call's answer (what it throws, rejected). */
function answer<T>(read: () => T): Promise<T> {
  return new Promise((resolve) => resolve(read()));
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  const real = async (p: string): Promise<string> => fsp.realpath(p).catch(() => path.resolve(p));
  return (await real(a)) === (await real(b));
}

export class HostPool {
  private readonly refused: Refusal[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Decisions waiting for the next write. */
  private pending: Pending[] = [];
  private flushQueued = false;

  private constructor(
    private config: PoolConfig,
    private state: PoolState,
    private readonly deps: PoolDeps,
  ) {}

  /** The pool of `config` with the state file's state, reconciled with the file and written back. */
  static async open(config: PoolConfig, deps: PoolDeps): Promise<HostPool> {
    const state = reconcilePool(await readPoolState(deps.stateFile), config.hosts);
    await writePoolState(deps.stateFile, state);
    return new HostPool(config, state, deps);
  }

  get hostCount(): number {
    return Object.keys(this.state.nodes).length;
  }

  get typeCount(): number {
    return Object.keys(this.config.instanceTypes).length;
  }

  /** Runs a call whose arguments were checked (see args.ts). */
  call(method: PoolCall, args: readonly unknown[]): Promise<unknown> {
    const handler = this.handlers[method] as (...a: unknown[]) => Promise<unknown>;
    return handler(...args);
  }

  /** Resolves once every change queued so far is written. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Runs `task` alone: after every change queued before it, before any queued after it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies a decision to the state; answers once the new state is written. Decisions queued while
   * a write is under way are applied one after the other and written together (one sync for all).
   */
  private change<T>(decide: (state: PoolState) => { state: PoolState; result: T }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ decide, resolve: resolve as (value: unknown) => void, reject });
      if (this.flushQueued) return;
      this.flushQueued = true;
      void this.serial(() => this.flush());
    });
  }

  /** Applies every queued decision in order, writes the resulting state once, then answers them all. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.pending.splice(0);
    let state = this.state;
    const outcomes = batch.map((p) => {
      try {
        const decided = p.decide(state);
        state = decided.state;
        return { ok: true, value: decided.result };
      } catch (err) {
        return { ok: false, value: err };
      }
    });
    let failed: unknown;
    if (state !== this.state) {
      try {
        await writePoolState(this.deps.stateFile, state);
        this.state = state;
      } catch (err) {
        failed = err;
      }
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) p.reject(outcome.value);
      else if (failed !== undefined) p.reject(failed);
      else p.resolve(outcome.value);
    });
  }

  private async launch(...[nodeConfig, tags, count]: PoolMethods['create_node']['args']): Promise<string[]> {
    const instanceType = nodeConfig.instance_type!;
    try {
      // Decided when its turn comes, with the pool file read last (a reload may come before).
      const ids = await this.change((s) => {
        const { useInternalIps, instanceTypes } = this.config;
        const request = { instanceType, count, tags, useInternalIps, instanceTypes: Object.keys(instanceTypes) };
        const picked = allocateHosts(s, request, this.deps.now());
        return { state: picked.state, result: picked.ids };
      });
      this.deps.log(`launch: ${count} x ${instanceType} for ${ownerOf(tags)}: ${ids.join(', ') || '-'}`);
      return ids;
    } catch (err) {
      if (err instanceof PoolFault && err.refusal) this.refuse(err.refusal);
      throw err;
    }
  }

  /** Keeps a refused launch for `status` (the server logs it, loudly, with the caller). */
  private refuse(refusal: Refusal): void {
    this.refused.push(refusal);
    if (this.refused.length > REFUSALS_KEPT) this.refused.splice(0, this.refused.length - REFUSALS_KEPT);
  }

  private async giveBack(...[ids, options]: PoolMethods['terminate_nodes']['args']): Promise<null> {
    const owner =
      options?.cluster !== undefined && options.workspace !== undefined
        ? { cluster: options.cluster, workspace: options.workspace }
        : undefined;
    const request = {
      ids,
      unanswered: new Set(options?.unanswered ?? []),
      now: this.deps.now(),
      ...(owner && { owner }),
    };
    // A host given back that left the pool file leaves the pool now (reconcile drops free ones).
    await this.change((s) => ({ state: reconcilePool(releaseHosts(s, request), this.config.hosts), result: null }));
    this.deps.log(
      `free: ${ids.join(', ')}${request.unanswered.size > 0 ? ` (unanswered: ${[...request.unanswered].join(', ')})` : ''}`,
    );
    return null;
  }

  private async reload(file?: string | null): Promise<null> {
    const own = this.config.file;
    if (file !== undefined && file !== null && !(await sameFile(file, own))) {
      throw new PoolFault('bad_request', `reload reads only the service's own pool file ${own}, not ${file}`);
    }
    return this.serial(async () => {
      let config: PoolConfig;
      try {
        config = await loadPoolConfig(own);
      } catch (err) {
        const why = isConfigError(err) ? err.message : (err as Error).message;
        throw new PoolFault('bad_request', `the pool file does not load; the service keeps the pool it had:\n${why}`);
      }
      const state = reconcilePool(this.state, config.hosts);
      await writePoolState(this.deps.stateFile, state);
      [this.state, this.config] = [state, config];
      for (const warning of config.warnings) this.deps.log(`warning: ${warning}`, true);
      this.deps.log(`reloaded ${own}: ${this.hostCount} hosts of ${this.typeCount} instance types`, true);
      return null;
    });
  }

  status(): PoolStatus {
    const types = Object.keys(this.config.instanceTypes);
    return {
      config: this.config.file,
      address: this.deps.address(),
      instance_types: this.config.instanceTypes,
      hosts: Object.values(this.state.nodes),
      workspaces: Object.keys(this.state.workspaces),
      free: freeCounts(this.state, types),
      refused: [...this.refused],
    };
  }

  private readonly handlers: Handlers = {
    list_nodes: (workspace, filters) => answer(() => listHosts(this.state, workspace, filters)),
    describe_node: (id) => answer(() => (Object.hasOwn(this.state.nodes, id) ? this.state.nodes[id]! : null)),
    create_node: (...args) => this.launch(...args),
    set_node_tags: (id, tags) => this.change((s) => ({ state: setHostTags(s, id, tags), result: null })),
    terminate_node: (id) => this.giveBack([id]),
    terminate_nodes: (...args) => this.giveBack(...args),
    free_nodes: (type) => answer(() => freeHostsInOrder(this.state, type)),
    unanswered_nodes: (workspace, cluster) => answer(() => unansweredOf(this.state, workspace, cluster)),
    clear_unanswered: (ids) => this.change((s) => ({ state: clearMarks(s, ids), result: null })),
    get_instance_types: () => answer(() => this.config.instanceTypes),
    reload: (file) => this.reload(file),
    create_workspace: (name) => this.change((s) => ({ state: addWorkspace(s, name), result: { name } })),
    delete_workspace: (name) => this.change((s) => ({ state: removeWorkspace(s, name), result: { name } })),
    get_workspace: (name) => answer(() => (Object.hasOwn(this.state.workspaces, name) ? { name } : null)),
    list_workspaces: () => answer(() => Object.keys(this.state.workspaces).map((name) => ({ name }))),
    status: () => answer(() => this.status()),
  };
}

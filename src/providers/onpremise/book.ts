/** Who holds which host, for onpremise clusters: the host-pool service. */
import { numbering, type HostBook, type HostEntry, type TakeRequest } from '../local/book.js';
import type { HostRecord } from '../local/hosts.js';
import { TAG } from '../provider.js';
import { PoolCallError, type PoolClient } from './client.js';
import type { PoolHost } from './protocol.js';

function record(host: PoolHost): HostRecord {
  const r: HostRecord = {
    name: host.name,
    ip: host.ip,
    tags: host.tags,
    state: host.state,
    instance_type: host.instance_type,
  };
  if (host.unanswered) r.unanswered = host.unanswered;
  return r;
}

export class PoolHostBook implements HostBook {
  constructor(
    private readonly client: PoolClient,
    private readonly workspace: string,
  ) {}

  async list(tags: Record<string, string>): Promise<HostEntry[]> {
    const hosts = await this.client.call('list_nodes', this.workspace, tags);
    return hosts.map((h): HostEntry => [h.name, record(h)]);
  }

  /**
   * The pool picks the hosts; they are numbered after the cluster's other nodes. When it has fewer
   * free than asked for, the cluster takes those it has (the launch of the rest fails later, and
   * says so); only a pool with none free refuses.
   */
  async take(request: TakeRequest): Promise<HostEntry[]> {
    const tags: Record<string, string> = { ...request.tags, [TAG.nodeKind]: request.kind };
    const ids = await this.launch(request.instanceType, tags, request.count);
    const cluster = { [TAG.cluster]: tags[TAG.cluster] ?? '', [TAG.workspace]: tags[TAG.workspace] ?? '' };
    const all = await this.list(cluster);
    const others = all.filter(([id]) => !ids.includes(id)).map(([, r]) => r);
    const numbers = numbering(others, cluster[TAG.cluster], request.kind, ids.length);
    await Promise.all(ids.map((id, i) => this.client.call('set_node_tags', id, numbers[i]!)));
    const byId = new Map(all);
    return ids.flatMap((id, i): HostEntry[] => {
      const r = byId.get(id);
      return r ? [[id, { ...r, tags: { ...r.tags, ...numbers[i] } }]] : [];
    });
  }

  /** `count` hosts at once, else as many as are free, one at a time. */
  private async launch(instanceType: string, tags: Record<string, string>, count: number): Promise<string[]> {
    const nodeConfig = { instance_type: instanceType };
    try {
      return await this.client.call('create_node', nodeConfig, tags, count);
    } catch (err) {
      if (count <= 1 || !(err instanceof PoolCallError) || err.poolCode !== 'no_capacity') throw err;
      const ids: string[] = [];
      while (ids.length < count) {
        const one = await this.client.call('create_node', nodeConfig, tags, 1).catch(() => undefined);
        if (!one) break;
        ids.push(...one);
      }
      if (ids.length === 0) throw err;
      return ids;
    }
  }

  /** Only hosts this cluster still holds are given back (a retried stop may find some serving others). */
  async giveBack(
    ids: readonly string[],
    cluster: Record<string, string>,
    unanswered: ReadonlySet<string>,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.client.call('terminate_nodes', [...ids], {
      unanswered: ids.filter((id) => unanswered.has(id)),
      cluster: cluster[TAG.cluster] ?? '',
      workspace: cluster[TAG.workspace] ?? this.workspace,
    });
  }

  unanswered(cluster: Record<string, string>): Promise<string[]> {
    return this.client.call('unanswered_nodes', this.workspace, cluster[TAG.cluster] ?? '');
  }

  async clearUnanswered(ids: readonly string[]): Promise<void> {
    await this.client.call('clear_unanswered', [...ids]);
  }

  /** What the pool would hand out next for workers of that type (nothing is reserved). */
  freeWorkerHosts(instanceType: string): Promise<string[]> {
    return this.client.call('free_nodes', instanceType);
  }

  async setTags(id: string, tags: Record<string, string>): Promise<void> {
    await this.client.call('set_node_tags', id, tags);
  }
}

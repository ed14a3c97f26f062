/**
 * Who holds which host: the one thing that differs between the providers of listed hosts. The
 * `local` provider keeps it in a state file on the head's machine (store.ts); the `onpremise`
 * provider asks its host-pool service. Both books hold CloudTik's host records.
 */
import { TAG } from '../provider.js';
import {
  allocate,
  clearUnanswered,
  clusterHosts,
  freeWorkerHosts,
  mergeTags,
  release,
  unansweredHosts,
  type HostRecord,
} from './hosts.js';
import type { HostStateStore } from './store.js';

export type HostEntry = [id: string, record: HostRecord];

export interface TakeRequest {
  kind: 'head' | 'worker';
  instanceType: string;
  count: number;
  /** The tags the hosts get (the cluster's and workspace's names among them). */
  tags: Record<string, string>;
}

export interface HostBook {
  /** Hosts that are nodes of the cluster, matching every given tag. */
  list(tags: Record<string, string>): Promise<HostEntry[]>;
  /** `count` free hosts for the cluster, all or none, numbered after the cluster's other nodes. */
  take(request: TakeRequest): Promise<HostEntry[]>;
  /** The hosts given back; those in `unanswered` are marked as still running the cluster's services. */
  giveBack(ids: readonly string[], cluster: Record<string, string>, unanswered: ReadonlySet<string>): Promise<void>;
  /** Free hosts the cluster gave back while they did not answer. */
  unanswered(cluster: Record<string, string>): Promise<string[]>;
  /** Their marks removed (they answered, the cluster's services there are stopped). */
  clearUnanswered(ids: readonly string[]): Promise<void>;
  setTags(id: string, tags: Record<string, string>): Promise<void>;
  /** The free hosts the next worker launches of an instance type would take, when the book can tell. */
  freeWorkerHosts?(instanceType: string): Promise<string[]>;
}

/** The tags numbering the `count` hosts a cluster takes after the `taken` ones it has. */
export function numbering(
  taken: readonly HostRecord[],
  cluster: string,
  kind: string,
  count: number,
): Array<Record<string, string>> {
  const seq = Math.max(0, ...taken.map((r) => Number(r.tags[TAG.seqId] ?? 0)));
  return Array.from({ length: count }, (_, i) => ({
    [TAG.seqId]: String(seq + i + 1),
    [TAG.nodeName]: `${cluster}-${kind}-${seq + i + 1}`,
  }));
}

/** The local provider's book: the hosts' state file, the head fixed to the machine that runs `start`. */
export class FileHostBook implements HostBook {
  constructor(
    private readonly store: HostStateStore,
    private readonly headHost: string,
  ) {}

  async list(tags: Record<string, string>): Promise<HostEntry[]> {
    return clusterHosts(await this.store.read(), tags);
  }

  take(request: TakeRequest): Promise<HostEntry[]> {
    const cluster = {
      [TAG.cluster]: request.tags[TAG.cluster] ?? '',
      [TAG.workspace]: request.tags[TAG.workspace] ?? '',
    };
    return this.store.update((state) => {
      const taken = clusterHosts(state, cluster).map(([, r]) => r);
      const picked = allocate(state, { ...request, headHost: this.headHost });
      const numbers = numbering(taken, cluster[TAG.cluster], request.kind, picked.ids.length);
      let next = picked.state;
      picked.ids.forEach((id, i) => (next = mergeTags(next, id, numbers[i]!)));
      return { state: next, result: picked.ids.map((id): HostEntry => [id, next.nodes[id]!]) };
    });
  }

  giveBack(ids: readonly string[], cluster: Record<string, string>, unanswered: ReadonlySet<string>): Promise<void> {
    const silent = { ids: unanswered, now: Date.now() };
    return this.store.update((state) => ({ state: release(state, ids, cluster, silent), result: undefined }));
  }

  async unanswered(cluster: Record<string, string>): Promise<string[]> {
    return unansweredHosts(await this.store.read(), cluster);
  }

  clearUnanswered(ids: readonly string[]): Promise<void> {
    return this.store.update((state) => ({ state: clearUnanswered(state, ids), result: undefined }));
  }

  setTags(id: string, tags: Record<string, string>): Promise<void> {
    return this.store.update((state) => ({ state: mergeTags(state, id, tags), result: undefined }));
  }

  async freeWorkerHosts(instanceType: string): Promise<string[]> {
    return freeWorkerHosts(await this.store.read(), instanceType, this.headHost);
  }
}

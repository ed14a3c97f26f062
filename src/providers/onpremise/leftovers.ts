/** What `cloudtik gc` sees of the host pool running on this machine: the hosts it holds for clusters. */
import { TAG, type HeldHost, type HeldHostSource } from '../provider.js';
import { findPoolService, PoolClient } from './client.js';

async function client(): Promise<PoolClient | undefined> {
  const found = await findPoolService();
  return found ? new PoolClient(found.address, found.token) : undefined;
}

export const poolLeftovers: HeldHostSource = {
  async look() {
    const c = await client();
    if (!c) return undefined;
    const status = await c.call('status');
    const hosts: HeldHost[] = status.hosts.flatMap((h) => {
      const cluster = h.tags[TAG.cluster];
      const workspace = h.tags[TAG.workspace];
      if (h.state !== 'running' || cluster === undefined || workspace === undefined) return [];
      return [{ id: h.name, workspace, cluster, kind: h.tags[TAG.nodeKind] ?? '' }];
    });
    return { where: c.address, hosts, workspaces: status.workspaces };
  },
  async release(hosts) {
    const c = await client();
    if (!c) return;
    const groups = new Map<string, HeldHost[]>();
    for (const h of hosts)
      groups.set(`${h.workspace}/${h.cluster}`, [...(groups.get(`${h.workspace}/${h.cluster}`) ?? []), h]);
    for (const group of groups.values()) {
      const ids = group.map((h) => h.id);
      const { workspace, cluster } = group[0] as HeldHost;
      // Given back as not answering: whatever the cluster left running there is cleared by the next taker.
      await c.call('terminate_nodes', ids, { unanswered: ids, cluster, workspace });
    }
  },
};

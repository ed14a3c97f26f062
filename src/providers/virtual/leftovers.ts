/** What `cloudtik gc` sees of the engine: containers and workspace networks with our labels. */
import { TAG, type LabelledContainer, type LeftoverSource } from '../provider.js';
import type { DockerEngine } from './engine.js';

export function engineLeftovers(docker: () => Promise<DockerEngine>): LeftoverSource {
  return {
    async containers(): Promise<LabelledContainer[]> {
      const d = await docker();
      const listed = await d.listContainers({ all: true, filters: { label: [TAG.workspace, TAG.cluster] } });
      return listed.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        workspace: c.Labels[TAG.workspace] ?? '',
        cluster: c.Labels[TAG.cluster] ?? '',
        kind: c.Labels[TAG.nodeKind] ?? '',
        mounts: (c.Mounts ?? []).flatMap((m) => (m.Source ? [m.Source] : [])),
      }));
    },
    async workspaces(): Promise<string[]> {
      const d = await docker();
      const nets = await d.listNetworks({ filters: { label: [TAG.workspace] } });
      return nets.flatMap((n) => {
        const name = n.Labels?.[TAG.workspace];
        return name ? [name] : [];
      });
    },
    async removeContainer(id: string): Promise<void> {
      await (await docker()).getContainer(id).remove({ force: true, v: true });
    },
  };
}

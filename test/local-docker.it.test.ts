/**
 * `docker.enabled: true` on the `local` provider over real SSH: two test hosts, the first one the
 * user's machine (cloudtik installed, a Docker engine with the node image, the user not in the
 * docker group). The head runs in a container on it, sharing the user's cloudtik folder as the
 * user; its controller launches the worker in a container on the other host, sending the image
 * from the head's host. The test looks at hosts through Docker, which the code under test never does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageInfo } from '../src/core/host/package.js';
import { ensureHostEngine, shipImage } from '../src/providers/local/host-docker.js';
import { connectDocker } from '../src/providers/virtual/docker-client.js';
import { LocalHosts } from './local-hosts.js';

let lh: LocalHosts;
const IMAGE = `cloudtik/cloudtik:${packageInfo().version}`;
const CONTAINER = 'cloudtik-default-ldock';
const BODY = `docker:
  enabled: true
runtime:
  types: []
available_node_types:
  worker.default:
    min_workers: 1
`;

describe('local provider with docker.enabled: the head in a container on this machine, workers on their hosts', () => {
  beforeAll(async () => {
    lh = await LocalHosts.start(2, 'ldock', { docker: true });
    // The user's machine has an engine and the node image (as `cloudtik image build` leaves it).
    await ensureHostEngine(lh.first);
    await shipImage(await connectDocker(), lh.first, IMAGE);
    await lh.put('cluster.yaml', lh.clusterYaml(BODY, 'ldock'));
  }, 900_000);

  afterAll(async () => {
    await lh?.onHead('stop ~/cluster.yaml -y').catch(() => undefined);
    await lh?.remove();
  }, 600_000);

  it("starts both nodes in containers on the hosts' networks; the head's controller launched the worker", async () => {
    const [head, worker] = [lh.list[0]!, lh.list[1]!];
    const out = await lh.headOk('start ~/cluster.yaml -y', 900);
    expect(out).toContain(`host ${worker.ip}: Docker engine installed`);
    expect(out).toMatch(new RegExp(`host ${worker.ip.replaceAll('.', '\\.')}: sent image ${IMAGE}`));
    expect(out).not.toContain(`host ${head.ip}: sent image`);
    const s = await lh.status();
    expect(s.nodes.map((n) => `${n.kind} ${n.ip} ${n.status}`).sort()).toEqual([
      `head ${head.ip} up-to-date`,
      `worker ${worker.ip} up-to-date`,
    ]);
    for (const h of lh.list) {
      const r = await lh.hosts.rootShell(
        h,
        `docker inspect --format '{{.State.Running}} {{.HostConfig.NetworkMode}} {{.Config.Image}}' ${CONTAINER}`,
      );
      expect(r.stdout.trim(), r.stderr).toBe(`true host ${IMAGE}`);
    }
    // Commands run in the containers; the head's controller wrote the hosts' state as the user.
    const inside = await lh.headOk(`exec ~/cluster.yaml --all-nodes 'test -f /.dockerenv && echo in-a-container'`);
    expect(inside.match(/in-a-container/g)).toHaveLength(2);
    const owner = await lh.first.run({ command: 'stat -c %U ~/.cloudtik/local/cloudtik-local-scheduler.state' });
    expect(owner.stdout.trim()).toBe('ubuntu');
  }, 1_200_000);

  it('stop removes both containers and frees the hosts; a second start sends no image', async () => {
    await lh.headOk('stop ~/cluster.yaml -y', 600);
    expect(await lh.hostStates()).toEqual(['terminated', 'terminated']);
    for (const h of lh.list) {
      const r = await lh.hosts.rootShell(h, `docker ps -aq --filter label=cloudtik-cluster-name=ldock | wc -l`);
      expect(r.stdout.trim(), r.stderr).toBe('0');
    }
    const out = await lh.headOk('start ~/cluster.yaml -y', 600);
    expect(out).not.toMatch(/sent image|Docker engine installed/);
    expect((await lh.status()).nodes.every((n) => n.status === 'up-to-date')).toBe(true);
  }, 900_000);
});

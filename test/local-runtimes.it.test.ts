/**
 * The `local` provider's default runtimes (Prometheus, HDFS, YARN, Spark) on fresh bare hosts over
 * real SSH: every host gets its software from the installer during setup, the engines run on the
 * hosts themselves, a PySpark job goes through `cloudtik submit`, and a second start installs
 * nothing. The test reads the engines' own web endpoints on the hosts' addresses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostRepositories } from '../src/core/host/downloads.js';
import { activeNodeManagers, getJson, liveDataNodes } from './engine-probes.js';
import { eventually, runProgram } from './helpers.js';
import { expectNothingSetUp, LocalHosts } from './local-hosts.js';

let lh: LocalHosts;

interface ServiceRow {
  ip: string;
  runtime: string;
  service: string;
  running: boolean;
  answering?: boolean;
}
let headIp: string;

// Every host is sized like a small machine, so YARN and Spark size themselves for it.
const SIZE = `  instance_types:
    default: {CPU: 2, memory: 4G}
`;
const BODY = `available_node_types:
  worker.default:
    min_workers: 3
`;

describe('local provider: HDFS, YARN, Spark and Prometheus on bare hosts', () => {
  beforeAll(async () => {
    lh = await LocalHosts.start(4, 'lrt');
    headIp = lh.list[0]!.ip;
  }, 900_000);

  afterAll(async () => {
    await lh?.remove();
  });

  it('installs everything on fresh hosts; every DataNode, NodeManager and exporter registers', async () => {
    await lh.put('cluster.yaml', lh.clusterYaml(BODY, 'lrt', SIZE));
    // The user's repository settings (from this machine's Maven and pip): the first start fetches
    // every pinned file into the head's cache; the head's controller installs workers from there.
    const maven = await hostRepositories().maven();
    const index = (
      await runProgram('python3', ['-c', 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)'])
    ).stdout.trim();
    const out = await lh.headOk(`start ~/cluster.yaml -y`, 2400, { CLOUDTIK_MAVEN_REPO: maven, PIP_INDEX_URL: index });
    // The workers' hosts got their software from `start` itself, while the head was set up.
    expect(out).toMatch(/Install the software of 3 worker\(s\) ahead: done/);
    for (const h of lh.list.slice(1)) expect(out).toContain(`${h.ip}: install the spark layer: done`);
    const s = await lh.status();
    expect(s.nodes).toHaveLength(4);
    expect(s.nodes.every((n) => n.status === 'up-to-date')).toBe(true);
    await eventually('3 live DataNodes', 120_000, async () => ((await liveDataNodes(headIp)) === 3 ? 3 : undefined));
    await eventually('3 NodeManagers', 120_000, async () => ((await activeNodeManagers(headIp)) === 3 ? 3 : undefined));
    await eventually('4 node exporters scraped', 120_000, async () => {
      const doc = await getJson(`http://${headIp}:9090/api/v1/targets`);
      const targets =
        ((doc?.data as { activeTargets?: { labels: { job: string }; health: string }[] }) ?? {}).activeTargets ?? [];
      const up = targets.filter((t) => t.labels.job === 'node' && t.health === 'up').length;
      return up === 4 ? up : undefined;
    });
    // Nothing is made at install time that a first start does not need: no NameNode template (the
    // NameNode formats at its first start) and no class data sharing archives.
    const made = "ls -d /opt/hadoop/share/hadoop/namenode-template* 2>/dev/null; find /opt/cds -name '*.jsa' | wc -l";
    for (const h of lh.list) expect((await lh.hosts.rootShell(h, made)).stdout.trim(), h.ip).toBe('0');
    // The head-only services' packages (state store, Prometheus server) are on the head alone.
    const headOnly = 'for c in redis-server prometheus; do command -v $c >/dev/null && echo $c; done; true';
    const found = await Promise.all(lh.list.map(async (h) => (await lh.hosts.rootShell(h, headOnly)).stdout.trim()));
    expect(found).toEqual(['redis-server\nprometheus', '', '', '']);
  }, 2_700_000);

  it('runtime status reports every service running and answering on the right hosts', async () => {
    // The history server starts once the workers registered: it may still be on its way.
    const out = await eventually('every service answering', 120_000, async () => {
      const r = await lh.onHead('runtime status ~/cluster.yaml --json', 300);
      return r.code === 0 ? r.out : undefined;
    });
    const doc = JSON.parse(out) as { healthy: boolean; services: ServiceRow[] };
    const sick = doc.services.filter((r) => !r.running || r.answering === false);
    expect(sick, out).toEqual([]);
    expect(doc.healthy).toBe(true);
    const byHost = new Map<string, string[]>();
    for (const r of doc.services) byHost.set(r.ip, [...(byHost.get(r.ip) ?? []), `${r.runtime}/${r.service}`].sort());
    const workerServices = ['hdfs/hdfs-datanode', 'prometheus/node-exporter', 'yarn/yarn-nodemanager'];
    expect(Object.fromEntries(byHost)).toEqual(
      Object.fromEntries([
        [
          headIp,
          [
            'hdfs/hdfs-namenode',
            'prometheus/node-exporter',
            'prometheus/prometheus',
            'prometheus/prometheus-targets',
            'spark/spark-history',
            'yarn/yarn-resourcemanager',
          ],
        ],
        ...lh.list.slice(1).map((h) => [h.ip, workerServices]),
      ]),
    );
    const text = await lh.headOk('runtime status ~/cluster.yaml', 300);
    expect(text).toContain('All runtime services are healthy.');
    expect(text).toMatch(new RegExp(`${headIp.replaceAll('.', '\\.')}\\s+hdfs\\s+hdfs-namenode\\s+running`));
  }, 600_000);

  it('runs a PySpark job on YARN through cloudtik submit, with the right answer', async () => {
    await lh.put(
      'job.py',
      [
        'from pyspark.sql import SparkSession',
        'spark = SparkSession.builder.appName("sum-on-hosts").getOrCreate()',
        'total = spark.sparkContext.parallelize(range(1, 100001), 6).sum()',
        'print(f"TOTAL={total} MASTER={spark.sparkContext.master}")',
        'spark.stop()',
      ].join('\n'),
    );
    const out = await lh.headOk('submit ~/cluster.yaml ~/job.py', 600);
    expect(out).toContain('TOTAL=5000050000 MASTER=yarn');
  }, 900_000);

  it('a second start installs nothing and skips setup', async () => {
    const out = await lh.headOk('start ~/cluster.yaml -y', 600);
    expectNothingSetUp(out);
  }, 900_000);

  it('after a stop, the Hadoop daemons start from the archives they wrote as they stopped', async () => {
    // The second start restarted the ResourceManager: its NodeManagers register again first, so
    // that each leaves it in a clean stop (one that finds it gone retries past its stop grace).
    await eventually('3 NodeManagers', 120_000, async () => ((await activeNodeManagers(headIp)) === 3 ? 3 : undefined));
    // (Its output says how long each node took: a daemon's first stop writes its archive.)
    const stopped = await lh.headOk('stop ~/cluster.yaml -y', 600);
    const archives = `find /opt/cds -name '*.jsa' -size +1M -printf '%f\\n' | sort | tr '\\n' ' '`;
    expect((await lh.hosts.rootShell(lh.list[0]!, archives)).stdout.trim()).toBe(
      'history-server.jsa namenode.jsa resourcemanager.jsa',
    );
    const logs = '/home/ubuntu/runtime/cloudtik/logs';
    for (const h of lh.list.slice(1)) {
      const found = (await lh.hosts.rootShell(h, archives)).stdout.trim();
      // (With the end of the daemons' logs: how their stops went, when an archive is missing.)
      const tails = await lh.hosts.rootShell(h, `tail -n 15 ${logs}/yarn-nodemanager.log ${logs}/hdfs-datanode.log`);
      expect(found, `${h.ip}\n${stopped}\n${tails.stdout}`).toBe('datanode.jsa nodemanager.jsa');
    }
    await lh.headOk('start ~/cluster.yaml -y', 600);
    await eventually('3 live DataNodes', 120_000, async () => ((await liveDataNodes(headIp)) === 3 ? 3 : undefined));
    // (Read as the daemon's own user: root in a container may not read another user's memory map.)
    const mapped = async (h: (typeof lh.list)[number], daemon: string, archive: string): Promise<string> => {
      const find = `for p in $(pgrep -x java); do tr '\\0' '\\n' </proc/$p/cmdline | grep -qx '.*[.]${daemon}' && echo $p; done`;
      const script = `p=$(${find} | head -n 1); [ -n "$p" ] || { echo "no ${daemon}"; exit 0; }; runuser -u "$(stat -c %U /proc/$p)" -- grep -c ${archive} /proc/$p/maps || true`;
      return (await lh.hosts.rootShell(h, script)).stdout.trim();
    };
    const onHead = await mapped(lh.list[0]!, 'NameNode', 'namenode.jsa');
    expect(Number(onHead), onHead).toBeGreaterThan(0);
    for (const h of lh.list.slice(1)) {
      const onWorker = await mapped(h, 'DataNode', 'datanode.jsa');
      expect(Number(onWorker), `${h.ip}: ${onWorker}`).toBeGreaterThan(0);
    }
  }, 900_000);

  it('stop leaves no process of ours on any host', async () => {
    await lh.headOk('stop ~/cluster.yaml -y', 600);
    for (const h of lh.list) expect(await lh.ourProcesses(h)).toEqual([]);
    expect(await lh.hostStates()).toEqual(['terminated', 'terminated', 'terminated', 'terminated']);
  }, 900_000);
});

/**
 * Real engines on a real cluster: CloudTik's example.yaml (1 head + 3 workers) with the virtual
 * provider's default runtimes, Prometheus + HDFS + YARN + Spark, and jobs through `cloudtik submit`.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portAnswers } from '../src/core/net.js';
import { DockerEngine } from '../src/providers/virtual/engine.js';
import {
  eventually,
  cli,
  cliOk,
  clusterContainers,
  execInContainer,
  ROOT,
  sweepWorkspace,
  tempDir,
  testWorkspace,
  writeFile,
} from './helpers.js';

const ws = testWorkspace('rt');
const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' });
// CloudTik's example.yaml, unchanged; only the names are given on the command line.
const file = path.join(ROOT, 'test/fixtures/cloudtik/example.yaml');
const names = ['--workspace-name', ws, '-n', 'example'];
let dir: string;
let headIp: string;
/** What the first `start` printed (its human output carries the endpoints). */
let startOutput = '';

/** Run a command on the head and return its stdout. */
async function onHead(command: string): Promise<string> {
  return (await cliOk(['exec', file, command, ...names])).stdout;
}

/** Every URL in a command's output: found in its text, and in every string of its JSON when it is JSON. */
function urlsIn(output: string): string[] {
  const found = new Set<string>();
  const scan = (text: string): void => {
    for (const m of text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"`│|<>)\]]+/gi))
      found.add(m[0].replace(/[.,;:]+$/, ''));
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') scan(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  scan(output);
  try {
    walk(JSON.parse(output));
  } catch {
    // human output
  }
  return [...found];
}

async function liveDataNodes(): Promise<number> {
  const report = await onHead('hdfs dfsadmin -report 2>/dev/null');
  return Number(/Live datanodes \((\d+)\)/.exec(report)?.[1] ?? 0);
}

async function runningNodeManagers(): Promise<number> {
  const list = await onHead('yarn node -list 2>/dev/null');
  return Number(/Total Nodes:(\d+)/.exec(list)?.[1] ?? 0);
}

beforeAll(async () => {
  dir = await tempDir('rt');
  const wsFile = await writeFile(dir, 'ws.yaml', `workspace_name: ${ws}\nprovider:\n  type: virtual\n`);
  await cliOk(['workspace', 'create', wsFile, '-y']);
});

afterAll(async () => {
  await cli(['stop', file, '-y', '--hard', ...names]);
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('runtimes on example.yaml', () => {
  it('comes up with HDFS, YARN, Spark and Prometheus, and prints their endpoints', async () => {
    const r = await cliOk(['start', file, '-y', ...names]);
    startOutput = r.stdout;
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    expect(r.stdout).toContain(`http://${headIp}:9870/`);
    expect(r.stdout).toContain(`http://${headIp}:8088/cluster`);
    expect(r.stdout).toContain(`http://${headIp}:18080/`);
    expect(r.stdout).toContain(`http://${headIp}:9090/classic/targets`);
    expect(
      await eventually('3 live DataNodes', 60_000, async () => ((await liveDataNodes()) === 3 ? 3 : undefined)),
    ).toBe(3);
    expect(
      await eventually('3 NodeManagers', 60_000, async () => ((await runningNodeManagers()) === 3 ? 3 : undefined)),
    ).toBe(3);
    const info = JSON.parse((await cliOk(['info', file, '--json', ...names])).stdout) as {
      runtimes: string[];
      resources: Record<string, number>;
      nodes: { workers: number; upToDate: number };
    };
    expect(info.runtimes).toEqual(['prometheus', 'hdfs', 'yarn', 'spark']);
    expect(info.nodes).toMatchObject({ workers: 3, upToDate: 4 });
    // Advertised resources stay as configured even when the host has fewer cores.
    expect(info.resources.CPU).toBe(16);
    expect(info.resources.memory).toBe(16 * 2 ** 30);
  });

  it('reports every runtime service running and answering, with its log', async () => {
    const status = await eventually('all services healthy', 60_000, async () => {
      const r = await cli(['runtime', 'status', file, '--json', ...names]);
      return r.code === 0
        ? (JSON.parse(r.stdout) as { services: { service: string; node: string; log: string }[] })
        : undefined;
    });
    const count = (name: string): number => status.services.filter((x) => x.service === name).length;
    expect([count('hdfs-namenode'), count('hdfs-datanode'), count('yarn-nodemanager'), count('node-exporter')]).toEqual(
      [1, 3, 3, 4],
    );
    expect(status.services[0]?.log).toMatch(/^~\/runtime\/cloudtik\/logs\/.+\.log$/);
  });

  it('every URL that start, info and runtime status print opens from the host', async () => {
    const outputs = [startOutput];
    for (const json of [[], ['--json']]) {
      outputs.push((await cliOk(['info', file, ...json, ...names])).stdout);
      outputs.push((await cliOk(['runtime', 'status', file, ...json, ...names])).stdout);
    }
    const urls = [...new Set(outputs.flatMap(urlsIn))].map((u) => new URL(u));
    const web = urls.filter((u) => u.protocol === 'http:' || u.protocol === 'https:');
    // One web UI per runtime at least: the NameNode, the ResourceManager, the history server, Prometheus.
    expect(new Set(web.map((u) => u.port)).size, urls.join(' ')).toBeGreaterThanOrEqual(4);
    const answers: string[] = [];
    for (const url of urls) {
      if (!web.includes(url)) {
        // A service address, not a web page (hdfs://host:port): its port takes a connection.
        expect(await portAnswers(url.hostname, Number(url.port), 3000), `${url.href} takes no connection`).toBe(true);
        answers.push(`${url.href} connects`);
        continue;
      }
      // The first fetch may meet a UI still warming up; a 404 never turns into a 200 by waiting.
      const res = await eventually(url.href, 30_000, async () => {
        const r = await fetch(url, { redirect: 'follow' });
        await r.body?.cancel();
        return r.status >= 500 ? undefined : r;
      });
      answers.push(`${url.href} ${res.status} ${res.url}`);
    }
    expect(answers.filter((a) => !/ connects$| 200 /.test(a))).toEqual([]);
  });

  it('runs a PySpark word count from HDFS through cloudtik submit, with Spark jars from the nodes', async () => {
    await onHead(
      "printf 'the quick brown fox\\nthe lazy dog\\nthe end\\n' > /tmp/words.txt && hdfs dfs -mkdir -p /input && hdfs dfs -put -f /tmp/words.txt /input/words.txt",
    );
    // The job lists its own staging folder while it runs: what the client uploaded for it.
    const job = await writeFile(
      dir,
      'wordcount.py',
      `import os
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("wordcount").getOrCreate()
sc = spark.sparkContext
jvm = sc._jvm
fs = jvm.org.apache.hadoop.fs.FileSystem.get(sc._jsc.hadoopConfiguration())
staging = jvm.org.apache.hadoop.fs.Path(fs.getHomeDirectory(), ".sparkStaging/" + sc.applicationId)
print("STAGING " + ",".join(sorted(s.getPath().getName() for s in fs.listStatus(staging))))
# Whether the JVM this Python process runs under (its nearest ancestor named java) has the image's
# class data sharing archive of Spark jobs mapped.
def jvm_maps_archive(_):
    pid = os.getpid()
    while pid > 1:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        if stat[stat.index("(") + 1:stat.rindex(")")] == "java":
            with open(f"/proc/{pid}/maps") as f:
                return ["/opt/cds/spark/job.jsa" in f.read()]
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
    return [False]
executors = sc.parallelize([0], 1).mapPartitions(jvm_maps_archive).collect()
print(f"CDS driver={jvm_maps_archive(0)[0]} executor={all(executors)}")
lines = sc.textFile(sys.argv[1])
counts = dict(lines.flatMap(lambda l: l.split()).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect())
print("RESULT " + ",".join(f"{k}={counts[k]}" for k in sorted(counts)))
spark.stop()
`,
    );
    const r = await cli(['submit', file, job, `hdfs://${headIp}:9000/input/words.txt`, '--job-log', ...names]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('RESULT brown=1,dog=1,end=1,fox=1,lazy=1,quick=1,the=3');
    // The driver and the executor started from the image's class data sharing archive of Spark jobs.
    expect(r.stdout).toContain('CDS driver=True executor=True');
    // Only Spark's configuration went to HDFS for the application; its jars come from every node's image.
    const staged = /^STAGING (.*)$/m.exec(r.stdout)?.[1]?.split(',');
    expect(staged).toContain('__spark_conf__.zip');
    expect(staged?.filter((n) => n.startsWith('__spark_libs__'))).toEqual([]);
    // The terminal: the job's output and one line per application state; Spark's INFO lines are in the job log.
    expect(r.stderr).toMatch(
      new RegExp(
        `^application_\\d+_\\d+: RUNNING  http://${headIp.replace(/\./g, '\\.')}:8088/proxy/application_\\d+_\\d+/$`,
        'm',
      ),
    );
    expect(r.stderr).not.toMatch(/ INFO /);
    const logFile = /job log on the head: (~\/user\/logs\/wordcount-\d+T\d+\.log)/.exec(r.stderr)?.[1];
    expect(logFile).toBeDefined();
    const log = await onHead(`cat ${logFile}`);
    expect(log).toMatch(/INFO Client: Submitting application application_\d+_\d+ to ResourceManager/);
    expect(log).toContain('RESULT brown=1'); // --job-log: the output too
    expect(log).not.toContain('Neither spark.yarn.jars nor spark.yarn.archive');
    // Its application master ran inside the driver: YARN started no container for it.
    const appId = /^(application_\d+_\d+): RUNNING /m.exec(r.stderr)?.[1] as string;
    const app = (
      (await (await fetch(`http://${headIp}:8088/ws/v1/cluster/apps/${appId}`)).json()) as {
        app: { unmanagedApplication: boolean; finalStatus: string; amContainerLogs?: string };
      }
    ).app;
    expect(app).toMatchObject({ unmanagedApplication: true, finalStatus: 'SUCCEEDED' });
    expect(app.amContainerLogs).toBeUndefined();
    // The progress line's proxy page leads to the history server's page of the job, now that it
    // ended (once the server has read the job's event log: it looks every few seconds).
    const proxied = await eventually('the job in the history server', 30_000, async () => {
      const res = await fetch(`http://${headIp}:8088/proxy/${appId}/`);
      await res.body?.cancel();
      return res.status === 200 ? res.url : undefined;
    });
    expect(proxied).toContain(`:18080/history/${appId}`);
    // The application ran on YARN and left its event log in HDFS for the history server.
    expect(await onHead('yarn application -list -appStates FINISHED 2>/dev/null')).toContain('wordcount');
    expect(await onHead('hdfs dfs -ls /shared/spark-events 2>/dev/null')).toMatch(/application_/);
  });

  it('stops a NodeManager that ran the containers of a job on SIGTERM, cleanly and in seconds', async () => {
    const workers = (await clusterContainers(ws, 'example')).filter((c) => c.Labels['cloudtik-node-kind'] === 'worker');
    const nmLog = '~/runtime/cloudtik/logs/yarn-nodemanager.log';
    const inWorker = async (id: string, command: string): Promise<string> => {
      const r = await execInContainer(engine.getContainer(id), ['bash', '-lc', command], { user: 'ubuntu' });
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    let ran: string | undefined;
    for (const w of workers) {
      if (Number(await inWorker(w.Id, `grep -c 'Start request for container' ${nmLog} || true`)) > 0) ran = w.Id;
    }
    expect(ran, 'a worker whose NodeManager started a container').toBeDefined();
    // SIGTERM to its supervisor's process group, as the node's stop commands send it; the time until the group is gone.
    const stopped = await inWorker(
      ran as string,
      [
        // The pid file holds the supervisor's pid and its start time.
        'read -r group _ < ~/runtime/cloudtik/run/yarn-nodemanager.pid',
        'kill -0 -"$group" || exit 9',
        't0=$(date +%s%3N)',
        'kill -TERM -"$group"',
        'while kill -0 -"$group" 2>/dev/null; do sleep 0.1; done',
        'echo "ms=$(( $(date +%s%3N) - t0 ))"',
      ].join('; '),
    );
    const ms = Number(/ms=(\d+)/.exec(stopped)?.[1]);
    const tail = await inWorker(ran as string, `tail -n 60 ${nmLog}`);
    // Its finished applications were already let go (logs aggregated into HDFS): nothing to wait for.
    expect(tail).not.toContain('Waiting for Applications to be Finished');
    expect(tail).toMatch(/SHUTDOWN_MSG: Shutting down NodeManager/);
    // It used to take 17 s (7 s waiting for finished applications, 10 s for their log deletion);
    // a few seconds leave room for a busy host.
    expect(ms).toBeLessThan(6000);
    expect(await onHead('hdfs dfs -ls -R /tmp/logs 2>/dev/null')).toMatch(/application_\d+_\d+/);
    await cliOk(['runtime', 'start', file, '--runtimes', 'yarn', ...names]);
    await eventually('3 NodeManagers again', 60_000, async () => ((await runningNodeManagers()) === 3 ? 3 : undefined));
  });

  it("returns a failing job's exit code", async () => {
    const job = await writeFile(dir, 'fail.py', 'import sys\nprint("about to fail")\nsys.exit(3)\n');
    const r = await cli(['submit', file, job, ...names]);
    expect(r.stdout).toContain('about to fail');
    expect(r.code).toBe(3);
  });

  it('a worker added by scale joins HDFS, YARN and Prometheus', async () => {
    await cliOk(['scale', file, '--workers', '4', ...names]);
    await eventually('4 live DataNodes', 90_000, async () => ((await liveDataNodes()) === 4 ? 4 : undefined));
    await eventually('4 NodeManagers', 90_000, async () => ((await runningNodeManagers()) === 4 ? 4 : undefined));
    await eventually('5 exporters scraped', 60_000, async () => {
      const res = (await (await fetch(`http://${headIp}:9090/api/v1/targets`)).json()) as {
        data: { activeTargets: { labels: { job: string }; health: string }[] };
      };
      const up = res.data.activeTargets.filter((t) => t.labels.job === 'node' && t.health === 'up').length;
      return up === 5 ? up : undefined;
    });
  });

  it('stops its runtimes and starts them again without setup', async () => {
    await cliOk(['runtime', 'stop', file, '--runtimes', 'spark', ...names]);
    await expect(fetch(`http://${headIp}:18080/`)).rejects.toThrow();
    const down = await cli(['runtime', 'status', file, '--runtimes', 'spark', ...names]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/spark-history\s+down/);
    await cliOk(['runtime', 'start', file, '--runtimes', 'spark', ...names]);
    await eventually('history server back', 60_000, async () =>
      (await fetch(`http://${headIp}:18080/`)).ok ? true : undefined,
    );
  });

  it('says so when a runtime is missing from the node image', async () => {
    const bare = await writeFile(
      dir,
      'bare-image.yaml',
      `cluster_name: bare\nworkspace_name: ${ws}\nprovider:\n  type: virtual\ndocker:\n  image: cloudtik/cloudtik\nruntime:\n  types: [hdfs]\n`,
    );
    const r = await cli(['start', bare, '-y']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/hdfs is not installed in this node's image/);
    expect(r.stderr).toMatch(/cloudtik\/spark-runtime/);
    await cliOk(['stop', bare, '-y']);
  });

  it('stops clean, and its workers as fast after jobs as idle', async () => {
    const r = await cliOk(['stop', file, '-y', '-v', ...names]);
    expect(await clusterContainers(ws, 'example')).toHaveLength(0);
    // Right after Spark jobs this step took 11-12 s: a NodeManager that ran containers outlived
    // its 10 s grace and was killed. Idle workers stop in 1-2 s; the bound leaves room for a busy host.
    const workers = /Stop \d+ worker\(s\): done \((\d+\.\d+)s\)/.exec(r.stdout + r.stderr)?.[1];
    expect(Number(workers)).toBeGreaterThan(0);
    expect(Number(workers)).toBeLessThan(9);
  });
});

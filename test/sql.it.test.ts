/**
 * The SQL stack on a real cluster (1 head and small workers, one cluster per database): HDFS,
 * Spark on YARN, the Hive metastore on the head backed by mysql (MariaDB) and then by postgres,
 * and Trino (the coordinator on the head, a worker on each worker).
 * A PySpark job creates a partitioned Parquet table and inserts rows; a second Spark application
 * and the Trino CLI on the head read the same count and sums through the metastore, Trino with
 * all workers active (3 with mysql; 1 with postgres, whose cluster is there for the metastore's
 * database); after `cloudtik runtime stop` and `runtime start` the table is still there
 * for both; its files are in HDFS; the generated passwords never show in cloudtik's output or in
 * the head's process list; Trino's coordinator and workers start from the image's AOT cache and
 * the metastore from its class data sharing archive.
 */
import fsp from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portAnswers } from '../src/core/net.js';
import {
  cli,
  type CliResult,
  createTestWorkspace,
  eventually,
  sweepWorkspace,
  tempDir,
  testClusterYaml,
  testWorkspace,
  writeFile,
} from './helpers.js';
import {
  CREATE_TABLE_JOB as CREATE,
  ENGINE_EXPECTED as TRINO_EXPECTED,
  ENGINE_QUERIES,
  sumOf as sum,
} from './sql-tables.js';

const ws = testWorkspace('sql');
let dir: string;

const READ = `from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sql-read").getOrCreate()
print("CATALOG " + spark.conf.get("spark.sql.catalogImplementation"))
r = spark.sql("SELECT count(*) AS n, sum(amount) AS total, count(DISTINCT region) AS regions FROM sqltest.sales").collect()[0]
print(f"RESULT n={r.n} total={r.total} regions={r.regions}")
by = spark.sql("SELECT region, sum(amount) AS s FROM sqltest.sales GROUP BY region ORDER BY region").collect()
print("REGIONS " + ",".join(f"{x.region}={x.s}" for x in by))
print("PARTITIONS " + ",".join(p.partition for p in spark.sql("SHOW PARTITIONS sqltest.sales").collect()))
loc = [x.data_type for x in spark.sql("DESCRIBE FORMATTED sqltest.sales").collect() if x.col_name == "Location"][0]
print("LOCATION " + loc)
spark.stop()
`;

const EXPECTED = {
  result: 'RESULT n=100 total=50500 regions=3',
  regions: `REGIONS east=${sum((i) => i % 3 === 0)},north=${sum((i) => i % 3 === 2)},west=${sum((i) => i % 3 === 1)}`,
};

/** The Trino CLI on the head, rows as tab-separated lines. */
const trinoQuery = (sql: string): string => `trino --output-format TSV --execute "${sql}"`;
const TRINO_TOTALS = trinoQuery(ENGINE_QUERIES.totals);
const TRINO_REGIONS = trinoQuery(ENGINE_QUERIES.regions);
const TRINO_WORKERS = trinoQuery(ENGINE_QUERIES.activeWorkers);

beforeAll(async () => {
  dir = await tempDir('sql');
  await createTestWorkspace(dir, ws);
});

afterAll(async () => {
  await sweepWorkspace(ws);
  await fsp.rm(dir, { recursive: true, force: true });
});

describe.each([
  { db: 'mysql', port: 3306, scheme: 'mysql', secrets: ['mysql-root', 'metastore-db'], workers: 3 },
  { db: 'postgres', port: 5432, scheme: 'postgresql', secrets: ['postgres-admin', 'metastore-db'], workers: 1 },
])('Spark tables in the metastore on $db', ({ db, port, scheme, secrets, workers }) => {
  const cluster = `sql-${db}`;
  const names = ['--workspace-name', ws];
  let file: string;
  let headIp: string;
  /** Every output of cloudtik in this cluster's tests (the passwords must be in none). */
  const outputs: string[] = [];
  const run = async (args: string[]): Promise<CliResult> => {
    const r = await cli([...args, ...names], { timeoutMs: 600_000 });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  const ok = async (args: string[]): Promise<CliResult> => {
    const r = await run(args);
    expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const onHead = async (command: string): Promise<string> => (await ok(['exec', file, command])).stdout;
  const submit = async (name: string, text: string): Promise<string> => {
    const job = await writeFile(dir, `${cluster}-${name}.py`, text);
    return (await ok(['submit', file, job])).stdout;
  };
  /** Every runtime service healthy, the workers' among them. */
  const healthy = (): Promise<{ service: string; answering?: boolean }[]> =>
    eventually(`all runtime services healthy on the head and ${workers} worker(s)`, 180_000, async () => {
      const r = await run(['runtime', 'status', file, '--json']);
      if (r.code !== 0) return undefined;
      const services = (JSON.parse(r.stdout) as { services: { service: string }[] }).services;
      const on = (name: string): number => services.filter((x) => x.service === name).length;
      const perWorker = ['hdfs-datanode', 'yarn-nodemanager', 'trino-worker'];
      return perWorker.every((w) => on(w) === workers) ? services : undefined;
    });
  /** Trino's coordinator counts every worker active (they announce themselves to it). */
  const trinoWorkers = (): Promise<string> =>
    eventually(`Trino sees ${workers} active worker(s)`, 180_000, async () => {
      const r = await run(['exec', file, TRINO_WORKERS]);
      return r.code === 0 && r.stdout.trim() === String(workers) ? r.stdout : undefined;
    });

  beforeAll(async () => {
    file = await writeFile(
      dir,
      `${cluster}.yaml`,
      testClusterYaml({
        cluster,
        workspace: ws,
        runtime: ['hdfs', 'spark', db, 'metastore', 'trino'],
        head: { cpu: 2, memory: '4G' },
        worker: { cpu: 2, memory: '2G', min: workers },
      }),
    );
  });

  afterAll(async () => {
    await cli(['stop', file, '-y', '--hard', ...names]);
  });

  it('comes up with the database and the metastore on the head, and prints their endpoints', async () => {
    const t0 = performance.now();
    const r = await ok(['start', file, '-y']);
    const startS = (performance.now() - t0) / 1000;
    headIp = /head (\d+\.\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] as string;
    expect(headIp).toBeDefined();
    expect(r.stdout).toContain(`thrift://${headIp}:9083`);
    expect(r.stdout).toContain(`${scheme}://${headIp}:${port}`);
    const metastoreS = await eventually('the metastore answers', 180_000, async () =>
      (await portAnswers(headIp, 9083, 1000)) ? (performance.now() - t0) / 1000 : undefined,
    );
    const services = await healthy();
    const readyS = (performance.now() - t0) / 1000;
    await trinoWorkers();
    const trinoS = (performance.now() - t0) / 1000;
    console.log(
      `${cluster}: start returned after ${startS.toFixed(1)} s, the metastore answered after ${metastoreS.toFixed(1)} s, every service on the head and ${workers} worker(s) healthy after ${readyS.toFixed(1)} s, Trino saw its ${workers} worker(s) after ${trinoS.toFixed(1)} s`,
    );
    console.log(r.stdout);
    const onHeadOnly = [db, 'metastore', 'trino-coordinator', 'trino-discovery'];
    expect(services.filter((s) => onHeadOnly.includes(s.service))).toHaveLength(4);
    expect(r.stdout).toContain(`http://${headIp}:8081`);
    const info = (await ok(['info', file])).stdout;
    expect(info).toContain(`thrift://${headIp}:9083`);
    expect(info).toMatch(new RegExp(`Trino Web UI\\S*\\s+http://${headIp.replace(/\./g, '\\.')}:8081`));
  });

  it("the coordinator asks for its list of nodes through the head's relay, every second or so", async () => {
    const config = await onHead('cat ~/runtime/trino/etc/config.properties');
    expect(config).toContain('discovery.uri=http://127.0.0.1:18081');
    // Trino's own log of the requests it served: the coordinator's lookups come through the relay
    // (from the loopback address), answered, and again as soon as their max-age has passed (10 s
    // without one). The log is written in blocks, not line by line: wait for four lookups in it.
    const grep =
      "grep -P '\\t127\\.0\\.0\\.1\\tGET\\t/v1/service/trino/general\\t' ~/runtime/trino/data/var/log/http-request.log | tail -n 8";
    const lookups = await eventually('four lookups of the coordinator in its request log', 60_000, async () => {
      const lines = (await onHead(grep)).trim().split('\n').filter(Boolean);
      return lines.length >= 4 ? lines.map((line) => line.split('\t')) : undefined;
    });
    for (const f of lookups) expect(f[6]).toBe('200');
    const at = lookups.map((f) => Date.parse(f[0] ?? ''));
    const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
    expect(Math.max(...gaps), `gaps between lookups: ${gaps.join(', ')} ms`).toBeLessThan(3000);
  });

  it("starts Trino's servers and the metastore from the image's start-up caches", async () => {
    // Each Java process of the kind, and how many of its memory mappings are of the cache: Java
    // maps a cache it uses and unmaps one it turns down (other jars, JDK or options).
    const mapped = (main: string, cache: string): string =>
      `for p in $(pgrep -f '${main}'); do echo "mapped $(grep -c ${cache} /proc/$p/maps)"; done`;
    const trino = mapped('io[.]trino[.]server[.]TrinoServer', '/opt/trino/aot/trino.aot');
    const counts = (out: string): number[] =>
      out
        .split('\n')
        .filter((l) => l.includes('mapped '))
        .map((l) => Number(/mapped (\d+)/.exec(l)?.[1]));
    const everyNode = counts((await ok(['exec', file, '--all-nodes', trino])).stdout);
    expect(everyNode, 'the coordinator and every worker').toHaveLength(1 + workers);
    for (const n of everyNode) expect(n).toBeGreaterThan(0);
    const metastore = counts(await onHead(mapped('hive[.]metastore[.]HiveMetaStore', '/opt/cds/metastore/server.jsa')));
    expect(metastore).toHaveLength(1);
    expect(metastore[0]).toBeGreaterThan(0);
  });

  it('a table one Spark application creates is read by another with the same count and sums, from HDFS', async () => {
    expect(await submit('create', CREATE)).toContain('CREATED');
    const out = await submit('read', READ);
    expect(out).toContain('CATALOG hive');
    expect(out).toContain(EXPECTED.result);
    expect(out).toContain(EXPECTED.regions);
    expect(out).toContain('PARTITIONS region=east,region=north,region=west');
    expect(out).toContain(`LOCATION hdfs://${headIp}:9000/shared/warehouse/sqltest.db/sales`);
    const listing = await onHead('hdfs dfs -ls -R /shared/warehouse/sqltest.db/sales');
    for (const region of ['east', 'north', 'west'])
      expect(listing).toMatch(new RegExp(`/shared/warehouse/sqltest.db/sales/region=${region}/part-\\S+\\.parquet`));
  });

  it('the Trino CLI on the head reads the same count and sums from the table Spark wrote', async () => {
    expect((await onHead(TRINO_TOTALS)).trim()).toBe(TRINO_EXPECTED.totals);
    expect((await onHead(TRINO_REGIONS)).trim()).toBe(TRINO_EXPECTED.regions);
  });

  it('the table is still there after runtime stop and start', async () => {
    await ok(['runtime', 'stop', file]);
    await ok(['runtime', 'start', file]);
    await healthy();
    // The NameNode leaves safe mode once the DataNodes reported the table's blocks.
    await onHead('hdfs dfsadmin -safemode wait');
    const out = await submit('read-again', READ);
    expect(out).toContain(EXPECTED.result);
    expect(out).toContain(EXPECTED.regions);
    await trinoWorkers();
    expect((await onHead(TRINO_TOTALS)).trim()).toBe(TRINO_EXPECTED.totals);
  });

  it("never shows the passwords in cloudtik's output or the head's process list", async () => {
    const found: string[] = [];
    for (const s of secrets) {
      const password = (await onHead(`cat ~/runtime/secrets/${s}`)).trim();
      // The files hold generated passwords; the output of that cat is left out of the check.
      outputs.pop();
      outputs.pop();
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      found.push(password);
    }
    const ps = (await ok(['exec', file, 'ps -eo args'])).stdout;
    expect(ps).toContain('org.apache.hadoop.hive.metastore.HiveMetaStore');
    for (const password of found) {
      expect(ps.includes(password), 'a password is in the process list').toBe(false);
      expect(
        outputs.some((o) => o.includes(password)),
        "a password is in cloudtik's output",
      ).toBe(false);
    }
    const mode = await onHead('stat -c %a ~/runtime/secrets ~/runtime/metastore/conf/metastore-site.xml');
    expect(mode.trim().split(/\s+/)).toEqual(['700', '600']);
  });
});

#!/usr/bin/env node
// Runtimes: `start` of an example.yaml-shaped cluster (1 head + 3 workers, Prometheus + HDFS + YARN
// + Spark) until every DataNode and NodeManager registered, the `submit` round trip of two jobs (a
// tiny sum and a small Spark SQL job) on YARN against the floor of the same job with
// `--master local[*]` on the head, `stop` right after those jobs and of an idle cluster, the warm
// node-image check (all up to date), and a host speed probe before each start.
// With --streaming: instead, `start` of 1 head + 3 workers with zookeeper + kafka until all three
// brokers are registered (as a Kafka client sees them), and its stop.
// With --sql: instead, `start` of 1 head + 3 workers with HDFS, Spark, mysql, the metastore and
// Trino until Trino's coordinator counts all three workers active (asked over Trino's client
// protocol), with when the metastore and the coordinator first answered, the first query through
// the hive catalog right after (a table written from tpch, then counted), and its stop.
// Prints JSON (medians in ms) and writes .bench/runtimes.json (or .bench/streaming.json, .bench/sql.json).
// Usage: node bench/runtimes.mjs [--runs N] [--no-submit] [--streaming | --sql]
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { cli, docker, median, registered, removeWorkspace, ROOT, summary } from './lib.mjs';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
const SUBMIT = !args.includes('--no-submit');
const STREAMING = args.includes('--streaming');
const SQL = args.includes('--sql');
const WS = `bench-rt-${process.pid}`;

async function head() {
  const [c] = await docker.listContainers({
    filters: { label: [`cloudtik-workspace-name=${WS}`, 'cloudtik-node-kind=head'] },
  });
  return { id: c.Id, ip: Object.values(c.NetworkSettings.Networks)[0].IPAddress };
}

/** Run a command in a container as the node user and return its stdout. */
async function inNode(id, command) {
  const exec = await docker.getContainer(id).exec({
    Cmd: ['runuser', '-u', 'ubuntu', '--', 'bash', '-c', command],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (b) => (out += b.toString('utf8')));
  docker.modem.demuxStream(stream, stdout, new PassThrough());
  await new Promise((r) => stream.on('end', r));
  return out;
}

/**
 * When the n-th DataNode and the n-th NodeManager registered (ms since the epoch, the later of the
 * two), from the NameNode's and ResourceManager's own log lines: exact, and the wait before costs
 * the cluster nothing but a slow poll.
 */
async function registeredAt(id, n) {
  const logs = '~/runtime/cloudtik/logs';
  const out = await inNode(
    id,
    `grep -h 'registerDatanode' ${logs}/hdfs-namenode.log | head -n ${n} | tail -n 1; ` +
      `grep -h 'registered with capability' ${logs}/yarn-resourcemanager.log | head -n ${n} | tail -n 1`,
  );
  const times = [...out.matchAll(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) /gm)].map((m) =>
    Date.parse(`${m[1]}T${m[2]}.${m[3]}Z`),
  );
  if (times.length !== 2) throw new Error(`registration lines not found in the head's logs:\n${out}`);
  return Math.max(...times);
}

/**
 * A fixed piece of single-thread work, timed (ms): objects built, serialised, parsed and looked up,
 * so caches and memory count as they do for the daemons. This host is a VM whose speed moves by a
 * third with its neighbours; the probe, taken before each start, tells series apart that ran at
 * different speeds.
 */
function hostProbeMs() {
  const t0 = performance.now();
  let n = 0;
  const m = new Map();
  for (let i = 0; i < 100_000; i++) m.set(`key-${i}`, { i, name: `node-${i % 97}`, tags: [i, i * 2, String(i)] });
  const back = JSON.parse(JSON.stringify([...m.values()]));
  for (const v of back) n += m.get(`key-${v.i}`).tags.length;
  if (n !== 3 * 100_000) throw new Error('host probe miscounted');
  return performance.now() - t0;
}

/** The jobs: a file, its arguments, and the line that proves its answer. */
const JOBS = {
  tiny: {
    text: [
      'from pyspark.sql import SparkSession',
      's = SparkSession.builder.appName("tiny").getOrCreate()',
      'print("SUM", s.sparkContext.parallelize(range(1, 100001), 3).sum())',
      's.stop()',
    ],
    args: () => [],
    expect: 'SUM 5000050000',
  },
  // 200,000 rows: CSV into HDFS, read back, grouped with Spark SQL, Parquet out, read back.
  sql: {
    file: path.join(ROOT, 'test/fixtures/jobs/sql.py'),
    args: (ip, tag) => [`hdfs://${ip}:9000/bench/${tag}`],
    expect: 'SQL 1000 9999825 200000',
  },
};

/** Submit each job on YARN and with --master local[*] (the floor); returns ms per series. */
async function submitJobs(file, names, dir, ip, times) {
  for (const [name, job] of Object.entries(JOBS)) {
    const path0 = job.file ?? path.join(dir, `${name}.py`);
    if (job.text) await fs.writeFile(path0, `${job.text.join('\n')}\n`);
    for (const [series, extra] of [
      ['yarn', []],
      ['local', ['--runtime-options', '--master local[*]']],
    ]) {
      const s = await cli(['submit', file, path0, ...extra, ...names, ...job.args(ip, series)]);
      if (!s.out.includes(job.expect)) throw new Error(`${name} (${series}): unexpected output: ${s.out}\n${s.err}`);
      (times[`${name}_${series}`] ??= []).push(s.ms);
    }
  }
}

/** The job round trips against their floors, and the goals they are held to. */
function jobResults(times) {
  const out = {};
  for (const [name, goalMs] of [
    ['tiny', 10_000],
    ['sql', 20_000],
  ]) {
    const yarn = summary(times[`${name}_yarn`]);
    const floor = summary(times[`${name}_local`]);
    out[`submit_${name}_round_trip`] = {
      ...yarn,
      floor_local: floor,
      ratio: Number((yarn.medianMs / floor.medianMs).toFixed(2)),
      goalMs,
    };
  }
  return out;
}

/** 1 head + 3 small workers with ZooKeeper and Kafka. */
function streamingConfig() {
  return `cluster_name: streaming
workspace_name: ${WS}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
runtime:
  types: [zookeeper, kafka]
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 1, memory: 1G }
  worker.default:
    min_workers: 3
    node_config:
      instance_type: { CPU: 1, memory: 1536M }
`;
}

/** Brokers registered, as a client (kcat on a worker) sees them. */
async function brokersSeen() {
  const [w] = await docker.listContainers({
    filters: { label: [`cloudtik-workspace-name=${WS}`, 'cloudtik-node-kind=worker'] },
  });
  if (!w) return 0;
  const ip = Object.values(w.NetworkSettings.Networks)[0].IPAddress;
  const out = await inNode(w.Id, `kcat -b ${ip}:9092 -L -m 5 2>/dev/null | grep -cE '^  +broker [0-9]+ at' || true`);
  return Number(out.trim()) || 0;
}

/** zookeeper + kafka: `start` until all three brokers are registered, then `stop`; RUNS times. */
async function streaming(dir, result) {
  const file = path.join(dir, 'streaming.yaml');
  await fs.writeFile(file, streamingConfig());
  const readyMs = [];
  const startMs = [];
  const stopMs = [];
  const probeMs = [];
  for (let i = 0; i < RUNS; i++) {
    probeMs.push(hostProbeMs());
    const t0 = performance.now();
    await cli(['start', file, '-y']);
    startMs.push(performance.now() - t0);
    while ((await brokersSeen()) < 3) {
      if (performance.now() - t0 > 300_000) throw new Error('the brokers did not all register within 300 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    readyMs.push(performance.now() - t0);
    stopMs.push((await cli(['stop', file, '-y'])).ms);
  }
  result.streaming_ready = { ...summary(readyMs), startCommandMs: Math.round(median(startMs)), goalMs: 20_000 };
  result.streaming_stop = summary(stopMs);
  result.host_probe = summary(probeMs);
}

/** 1 head + 3 small workers with the SQL stack (the sizes of test/sql.it.test.ts). */
function sqlConfig() {
  return `cluster_name: sqlstack
workspace_name: ${WS}
provider:
  type: virtual
auth:
  ssh_user: ubuntu
runtime:
  types: [hdfs, spark, mysql, metastore, trino]
available_node_types:
  head.default:
    node_config:
      instance_type: { CPU: 2, memory: 4G }
  worker.default:
    min_workers: 3
    node_config:
      instance_type: { CPU: 2, memory: 2G }
`;
}

/** Whether a TCP port takes a connection within a second. */
function portOpen(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1000, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

/** One query over Trino's client protocol (POST /v1/statement, then its nextUri): the rows, or undefined. */
async function trinoRows(ip, sql) {
  try {
    let r = await fetch(`http://${ip}:8081/v1/statement`, {
      method: 'POST',
      body: sql,
      headers: { 'X-Trino-User': 'bench' },
      signal: AbortSignal.timeout(5000),
    }).then((x) => x.json());
    const rows = [];
    for (;;) {
      if (r.error) return undefined;
      if (r.data) rows.push(...r.data);
      if (!r.nextUri) return rows;
      r = await fetch(r.nextUri, { signal: AbortSignal.timeout(5000) }).then((x) => x.json());
    }
  } catch {
    return undefined;
  }
}

/**
 * The first query that needs the hive catalog on the workers, right after the stack is ready: a
 * table written to HDFS from tpch's data, then counted. Its time in ms.
 */
async function firstHiveQueryMs(ip, run) {
  const table = `hive.default.bench_first_${Date.now()}_${run}`;
  const t0 = performance.now();
  const made = await trinoRows(ip, `CREATE TABLE ${table} AS SELECT * FROM tpch.tiny.nation`);
  const rows = made && (await trinoRows(ip, `SELECT count(*) FROM ${table}`));
  if (rows?.[0]?.[0] !== 25)
    throw new Error(`the first hive query did not count tpch's 25 nations: ${JSON.stringify(rows)}`);
  return performance.now() - t0;
}

/** Whether Trino's coordinator has started (its /v1/info says so; a query would need a worker too). */
async function coordinatorStarted(ip) {
  try {
    const info = await fetch(`http://${ip}:8081/v1/info`, { signal: AbortSignal.timeout(2000) }).then((x) => x.json());
    return info.starting === false;
  } catch {
    return false;
  }
}

/** Trino's own "Server startup completed in" of a node's service log, in ms (airlift's 5.54s / 1.06m). */
async function trinoStartupMs(id, service) {
  const out = await inNode(
    id,
    `grep -ho 'Server startup completed in [0-9.]*[sm]' ~/runtime/cloudtik/logs/${service}.log`,
  );
  const m = /in ([0-9.]+)([sm])/.exec(out);
  return m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000) : undefined;
}

/**
 * Where the start's time and CPU went: every process of the cluster's nodes still running, or
 * exited, by name (a JVM by its -Dproc_ name, Trino's by role, others by program), with when it
 * started (ms after `t0Epoch`) and its CPU ms so far (user + system, of it and its waited-for
 * children). Read from /proc in each container (one kernel: the same clock and boot time).
 */
async function processTimeline(t0Epoch) {
  const containers = await docker.listContainers({ filters: { label: [`cloudtik-workspace-name=${WS}`] } });
  const btime = Number(/^btime (\d+)$/m.exec(await fs.readFile('/proc/stat', 'utf8'))[1]) * 1000;
  const rows = [];
  for (const c of containers) {
    const kind = c.Labels['cloudtik-node-kind'];
    const out = await inNode(
      c.Id,
      'for d in /proc/[0-9]*; do s=$(cat $d/stat 2>/dev/null) || continue; ' +
        'printf "%s|%s\\n" "${s##*) }" "$(tr "\\0" " " <$d/cmdline 2>/dev/null | cut -c1-2000)"; done',
    );
    for (const line of out.split('\n')) {
      const [stat, cmd] = line.split('|');
      if (!cmd) continue;
      const f = stat.split(' ');
      const cpuMs = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
      const startMs = btime + Number(f[19]) * 10 - t0Epoch;
      rows.push({ node: kind, name: processName(cmd, kind), startMs: Math.round(startMs), cpuMs });
    }
  }
  // Short-lived helpers (shells, sleeps) under 50 ms of CPU are left out.
  return rows.filter((r) => r.cpuMs >= 50).sort((a, b) => a.startMs - b.startMs);
}

/** A process's name for the timeline. */
function processName(cmd, kind) {
  const proc = /-Dproc_(\w+)/.exec(cmd);
  if (proc) return proc[1];
  if (cmd.includes('/opt/trino/')) return kind === 'head' ? 'trino-coordinator' : 'trino-worker';
  if (cmd.includes('/opt/presto/')) return kind === 'head' ? 'presto-coordinator' : 'presto-worker';
  const words = cmd.trim().split(/\s+/);
  const prog = path.basename(words[0]);
  if (prog === 'node') return `node ${words.slice(2, 5).join(' ')}`.trim();
  if (prog === 'java') return `java ${words.find((w) => !w.startsWith('-') && w !== words[0]) ?? ''}`.trim();
  return prog;
}

const ACTIVE_WORKERS = "SELECT count(*) FROM system.runtime.nodes WHERE coordinator = false AND state = 'active'";

/** Spark + mysql + metastore + trino: `start` until Trino counts 3 active workers, then `stop`; RUNS times. */
async function sqlStack(dir, result) {
  const file = path.join(dir, 'sql.yaml');
  await fs.writeFile(file, sqlConfig());
  const series = {
    ready: [],
    firstQuery: [],
    start: [],
    metastore: [],
    coordinator: [],
    jvmHead: [],
    jvmWorker: [],
    stop: [],
    probe: [],
  };
  const timelines = [];
  for (let i = 0; i < RUNS; i++) {
    series.probe.push(hostProbeMs());
    const t0 = performance.now();
    const t0Epoch = Date.now();
    await cli(['start', file, '-y']);
    series.start.push(performance.now() - t0);
    const { id, ip } = await head();
    let metastore;
    let coordinator;
    for (;;) {
      const now = () => performance.now() - t0;
      if (metastore === undefined && (await portOpen(ip, 9083))) metastore = now();
      if (coordinator === undefined && (await coordinatorStarted(ip))) coordinator = now();
      const rows = coordinator === undefined ? undefined : await trinoRows(ip, ACTIVE_WORKERS);
      if (rows?.[0]?.[0] === 3 && metastore !== undefined) break;
      if (now() > 300_000) throw new Error('Trino did not see 3 active workers within 300 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    series.ready.push(performance.now() - t0);
    series.metastore.push(metastore);
    series.coordinator.push(coordinator);
    const [worker] = await docker.listContainers({
      filters: { label: [`cloudtik-workspace-name=${WS}`, 'cloudtik-node-kind=worker'] },
    });
    series.jvmHead.push(await trinoStartupMs(id, 'trino-coordinator'));
    series.jvmWorker.push(await trinoStartupMs(worker.Id, 'trino-worker'));
    timelines.push(await processTimeline(t0Epoch));
    series.firstQuery.push(await firstHiveQueryMs(ip, i));
    series.stop.push((await cli(['stop', file, '-y'])).ms);
  }
  result.sql_ready = {
    ...summary(series.ready),
    startCommandMs: Math.round(median(series.start)),
    metastoreAnswersMs: Math.round(median(series.metastore)),
    coordinatorStartedMs: Math.round(median(series.coordinator)),
    // Trino's own count from its JVM's start to "SERVER STARTED", on the head and on one worker.
    coordinatorStartupMs: Math.round(median(series.jvmHead)),
    workerStartupMs: Math.round(median(series.jvmWorker)),
    goalMs: 30_000,
  };
  // Ready, then the first query that reads and writes through the hive catalog on the workers.
  result.sql_first_hive_query = summary(series.firstQuery);
  result.sql_stop = summary(series.stop);
  // The processes of the run with the median ready time: when each started, and the CPU it had
  // used once the stack was ready.
  const order = series.ready.map((ms, i) => [ms, i]).sort((a, b) => a[0] - b[0]);
  result.sql_processes = timelines[order[Math.floor(order.length / 2)][1]];
  result.host_probe = summary(series.probe);
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cloudtik-bench-rt-'));
  process.env.CLOUDTIK_HOME = path.join(dir, 'home');
  const wsFile = path.join(dir, 'ws.yaml');
  await fs.writeFile(wsFile, `workspace_name: ${WS}\nprovider:\n    type: virtual\n`);
  const file = path.join(ROOT, 'test/fixtures/cloudtik/example.yaml');
  const names = ['--workspace-name', WS, '-n', 'example'];
  const result = { when: new Date().toISOString(), host: { cpus: os.cpus().length }, runs: RUNS };
  try {
    let t0 = performance.now();
    const image = STREAMING ? 'cloudtik/streaming-runtime' : SQL ? 'cloudtik/sql-runtime' : undefined;
    await cli(['image', 'build', ...(image ? ['--image', image] : [])]);
    result.image_build_warm = { ms: Math.round(performance.now() - t0) };
    await cli(['workspace', 'create', wsFile]);
    if (STREAMING || SQL) {
      await (SQL ? sqlStack : streaming)(dir, result);
      await writeResult(result);
      return;
    }
    const startMs = [];
    const registeredMs = [];
    const jobMs = {};
    const stopMs = [];
    const idleStopMs = [];
    const probeMs = [];
    // As many cycles again without jobs at the end: the idle stops to hold the stops after jobs against.
    for (let i = 0; i < RUNS * (SUBMIT ? 2 : 1); i++) {
      const idle = !SUBMIT || i >= RUNS;
      probeMs.push(hostProbeMs());
      t0 = performance.now();
      const wall0 = Date.now();
      await cli(['start', file, '-y', ...names]);
      startMs.push(performance.now() - t0);
      const h = await head();
      for (;;) {
        const { dn, nm } = await registered(h.ip);
        if (dn >= 3 && nm >= 3) break;
        if (performance.now() - t0 > 300_000)
          throw new Error(`not registered: ${dn ?? 'unknown'} DataNodes, ${nm} NodeManagers`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      registeredMs.push((await registeredAt(h.id, 3)) - wall0);
      if (!idle) await submitJobs(file, names, dir, h.ip, jobMs);
      (idle ? idleStopMs : stopMs).push((await cli(['stop', file, '-y', ...names])).ms);
    }
    result.start_example_all_registered = {
      ...summary(registeredMs),
      startCommandMs: Math.round(median(startMs)),
    };
    result.host_probe = summary(probeMs);
    result.stop_idle = { ...summary(idleStopMs), goalMs: 1500 };
    if (SUBMIT) {
      Object.assign(result, jobResults(jobMs));
      result.stop_after_jobs = { ...summary(stopMs), goalMs: 2000 };
    }
  } finally {
    await removeWorkspace(WS, wsFile);
    await fs.rm(dir, { recursive: true, force: true });
  }
  await writeResult(result);
}

async function writeResult(result) {
  console.log(JSON.stringify(result, null, 2));
  await fs.mkdir(path.join(ROOT, '.bench'), { recursive: true });
  const out = STREAMING ? 'streaming.json' : SQL ? 'sql.json' : 'runtimes.json';
  await fs.writeFile(path.join(ROOT, '.bench', out), JSON.stringify(result, null, 2));
}

await main();

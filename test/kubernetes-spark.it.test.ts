/**
 * CloudTik's own kubernetes examples (example-workspace.yaml, and example-cluster.yaml with only
 * its node sizes made to fit this machine) on the development Kubernetes (dev/k8s.sh): 1 head +
 * 3 workers of the spark-runtime image with HDFS and Spark on YARN, every DataNode and NodeManager
 * registered, and a PySpark word count from HDFS through `cloudtik submit` with the right answer.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRef } from '../src/providers/virtual/images.js';
import { cli, cliOk, eventually, tempDir, testWorkspace, writeFile, type CliResult } from './helpers.js';
import { startDevKubernetes, tearDownK8sTest, type DevKubernetes } from './k8s.js';

const IMAGE = imageRef('cloudtik/spark-runtime');
const EXAMPLES = path.join(import.meta.dirname, 'fixtures', 'cloudtik', 'kubernetes');
const CLUSTER = 'example-cluster';
/** The examples' own workspace name, made unique per run from the command line. */
const ws = testWorkspace('k8s-example');

let k8s: DevKubernetes;
let dir: string;
let wsFile: string;
let clusterFile: string;

/** The command with `--workspace-name` after its name (before the files and a job's arguments). */
function inWorkspace(args: string[]): string[] {
  const at = args[0] === 'workspace' ? 2 : 1;
  return [...args.slice(0, at), '--workspace-name', ws, ...args.slice(at)];
}

function k(args: string[]): Promise<CliResult> {
  return cli(inWorkspace(args), { env: { KUBECONFIG: k8s.kubeconfig }, timeoutMs: 900_000 });
}

function kOk(args: string[]): Promise<CliResult> {
  return cliOk(inWorkspace(args), { env: { KUBECONFIG: k8s.kubeconfig }, timeoutMs: 900_000 });
}

/**
 * example-cluster.yaml (from: kubernetes/small, 3 CPUs and 13 GiB a node) with node sizes that fit
 * 4 pods on a 2-core node: the only change.
 */
function sizedExample(text: string): string {
  const sized = text
    .replace(
      /^available_node_types:\n/m,
      'available_node_types:\n    head.default:\n        node_config: {resources: {cpu: 500m, memory: 3Gi}}\n',
    )
    .replace(/^( +)min_workers: 3\n/m, '$1min_workers: 3\n$1node_config: {resources: {cpu: 500m, memory: 2560Mi}}\n');
  if (sized.split('node_config').length !== 3) throw new Error('example-cluster.yaml changed: size it anew');
  return sized;
}

beforeAll(async () => {
  k8s = await startDevKubernetes([IMAGE]);
  dir = await tempDir('k8s-spark');
  wsFile = path.join(dir, 'example-workspace.yaml');
  await fsp.copyFile(path.join(EXAMPLES, 'example-workspace.yaml'), wsFile);
  const example = await fsp.readFile(path.join(EXAMPLES, 'example-cluster.yaml'), 'utf8');
  clusterFile = await writeFile(dir, 'example-cluster.yaml', sizedExample(example));
  await kOk(['workspace', 'create', wsFile, '--yes']);
}, 900_000);

afterAll(() => tearDownK8sTest(k8s, { clusterFile, wsFile, dir, args: ['--workspace-name', ws] }), 900_000);

describe('HDFS and Spark on kubernetes', () => {
  it('starts 1 head + 3 workers with HDFS and YARN, every DataNode and NodeManager registered', async () => {
    await kOk(['start', clusterFile, '--yes']);
    await eventually('3 live DataNodes and 3 running NodeManagers', 300_000, async () => {
      const r = await k([
        'exec',
        clusterFile,
        "hdfs dfsadmin -report 2>/dev/null | grep -c '^Name:'; yarn node -list 2>/dev/null | grep -c RUNNING",
      ]);
      return r.stdout.trim().split('\n').map(Number).join(',') === '3,3' ? true : undefined;
    });
  });

  it('runs a PySpark word count from HDFS with the right answer', async () => {
    await kOk([
      'exec',
      clusterFile,
      "printf 'the quick brown fox\\nthe lazy dog\\nthe end\\n' > /tmp/words.txt && hdfs dfs -mkdir -p /input && hdfs dfs -put -f /tmp/words.txt /input/words.txt",
    ]);
    const job = await writeFile(
      dir,
      'wordcount.py',
      `import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("wordcount").getOrCreate()
lines = spark.sparkContext.textFile(sys.argv[1])
counts = dict(lines.flatMap(lambda l: l.split()).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect())
print("RESULT " + ",".join(f"{k}={counts[k]}" for k in sorted(counts)))
spark.stop()
`,
    );
    const headIp = (await kOk(['head-ip', clusterFile])).stdout.trim();
    const r = await kOk(['submit', clusterFile, job, `hdfs://${headIp}:9000/input/words.txt`]);
    expect(r.stdout).toContain('RESULT brown=1,dog=1,end=1,fox=1,lazy=1,quick=1,the=3');
  });

  it('stop leaves nothing of the cluster', async () => {
    await kOk(['stop', clusterFile, '--yes']);
    for (const kind of ['pods', 'services', 'persistentvolumeclaims']) {
      const names = await k8s.kubectlOk(['get', kind, '-A', '-l', `cloudtik-cluster-name=${CLUSTER}`, '-o', 'name']);
      expect(names.trim()).toBe('');
    }
  });
});

/**
 * HDFS and Spark on YARN in pods of the development Kubernetes (dev/k8s.sh): 1 head + 2 workers
 * of the spark-runtime image, every DataNode and NodeManager registered, and a PySpark word count
 * from HDFS through `cloudtik submit` with the right answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRef } from '../src/providers/virtual/images.js';
import { cli, cliOk, eventually, tempDir, testWorkspace, writeFile, type CliResult } from './helpers.js';
import { startDevKubernetes, tearDownK8sTest, type DevKubernetes } from './k8s.js';

const IMAGE = imageRef('cloudtik/spark-runtime');
const CLUSTER = 'spark';

let k8s: DevKubernetes;
let dir: string;
let wsFile: string;
let clusterFile: string;

function k(args: string[]): Promise<CliResult> {
  return cli(args, { env: { KUBECONFIG: k8s.kubeconfig }, timeoutMs: 900_000 });
}

function kOk(args: string[]): Promise<CliResult> {
  return cliOk(args, { env: { KUBECONFIG: k8s.kubeconfig }, timeoutMs: 900_000 });
}

beforeAll(async () => {
  k8s = await startDevKubernetes([IMAGE]);
  dir = await tempDir('k8s-spark');
  const ws = testWorkspace('k8s-spark');
  wsFile = await writeFile(dir, 'workspace.yaml', `workspace_name: ${ws}\nprovider:\n  type: kubernetes\n`);
  clusterFile = await writeFile(
    dir,
    'cluster.yaml',
    [
      `cluster_name: ${CLUSTER}`,
      `workspace_name: ${ws}`,
      'provider: {type: kubernetes}',
      'available_node_types:',
      '  head.default:',
      '    node_config: {resources: {cpu: 600m, memory: 3Gi}}',
      '  worker.default:',
      '    min_workers: 2',
      '    node_config: {resources: {cpu: 600m, memory: 3Gi}}',
      'runtime: {types: [hdfs, spark]}',
      '',
    ].join('\n'),
  );
  await kOk(['workspace', 'create', wsFile, '--yes']);
}, 900_000);

afterAll(() => tearDownK8sTest(k8s, { clusterFile, wsFile, dir }), 900_000);

describe('HDFS and Spark on kubernetes', () => {
  it('starts 1 head + 2 workers with HDFS and YARN, every DataNode and NodeManager registered', async () => {
    await kOk(['start', clusterFile, '--yes']);
    await eventually('2 live DataNodes and 2 running NodeManagers', 300_000, async () => {
      const r = await k([
        'exec',
        clusterFile,
        "hdfs dfsadmin -report 2>/dev/null | grep -c '^Name:'; yarn node -list 2>/dev/null | grep -c RUNNING",
      ]);
      return r.stdout.trim().split('\n').map(Number).join(',') === '2,2' ? true : undefined;
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

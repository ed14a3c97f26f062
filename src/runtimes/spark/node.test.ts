import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RuntimeNodeContext } from '../node/context.js';
import { HISTORY_WAIT_S, historyServerPrelude, jobCds } from './node.js';

function ctx(types: string[], minWorkers: number): RuntimeNodeContext {
  return {
    head: true,
    nodeIp: '10.0.0.2',
    headIp: '10.0.0.2',
    nodeId: 'h',
    minWorkers,
    runtime: { types },
    dataDisks: [],
    home: '/home/u/runtime',
    layout: { hadoopConfDir: '/c', sparkConfDir: '/s', sparkHome: '/opt/spark' },
  };
}

describe('historyServerPrelude', () => {
  it('waits for min_workers DataNodes and NodeManagers, for a while only, then makes the HDFS event log folder', () => {
    const lines = historyServerPrelude(ctx(['hdfs', 'yarn', 'spark'], 3), 'hdfs://10.0.0.2:9000/shared/spark-events');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^at_least\(\) \{/);
    expect(lines[1]).toContain(`for _ in $(seq ${HISTORY_WAIT_S})`);
    // The ResourceManager is asked first (cheaper to answer); the NameNode only once it is satisfied.
    expect(lines[1]).toMatch(/activeNodes 3 && at_least .*NumLiveDataNodes 3/);
    expect(lines[1]).toContain(
      `at_least 'http://10.0.0.2:9870/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState' NumLiveDataNodes 3`,
    );
    expect(lines[1]).toContain('at_least http://10.0.0.2:8088/ws/v1/cluster/metrics activeNodes 3');
    expect(lines[2]).toMatch(
      /^until curl -sf -X PUT 'http:\/\/10\.0\.0\.2:9870\/webhdfs\/v1\/shared\/spark-events\?op=MKDIRS&user\.name=[^']+' >\/dev\/null; do sleep 0\.5; done$/,
    );
  });

  it('waits for one of each on a cluster without min_workers', () => {
    const [, wait] = historyServerPrelude(ctx(['hdfs', 'yarn', 'spark'], 0), 'hdfs://10.0.0.2:9000/e');
    expect(wait).toContain('NumLiveDataNodes 1');
    expect(wait).toContain('activeNodes 1');
  });

  it('has nothing to wait for on a cluster without HDFS and YARN', () => {
    expect(historyServerPrelude(ctx(['spark'], 2), 'file:///tmp/spark-events')).toEqual([]);
  });

  it("at_least reads a count from the NameNode's JMX and the ResourceManager's REST documents (real bash and curl)", async () => {
    let live = 2;
    const server = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/ws/v1/cluster/metrics') {
        res.end(`{"clusterMetrics":{"appsSubmitted":0,"activeNodes":${live},"decommissionedNodes":10}}`);
        return;
      }
      res.end(
        `{\n  "beans" : [ {\n    "name" : "Hadoop:service=NameNode,name=FSNamesystemState",\n    "NumLiveDataNodes" : ${live},\n    "NumDeadDataNodes" : 0\n  } ]\n}\n`,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    const [define] = historyServerPrelude(ctx(['hdfs', 'spark'], 2), 'hdfs://127.0.0.1:9000/e');
    const check = (n: number, key = 'NumLiveDataNodes', doc = '/jmx'): Promise<number> =>
      new Promise((resolve) => {
        const child = spawn('bash', ['-c', `${define}\nat_least 'http://127.0.0.1:${port}${doc}' ${key} ${n}`]);
        child.on('close', (code) => resolve(code ?? -1));
      });
    try {
      expect(await check(2)).toBe(0);
      expect(await check(3)).toBe(1);
      expect(await check(1, 'NumActiveNMs')).toBe(1);
      expect(await check(2, 'activeNodes', '/ws/v1/cluster/metrics')).toBe(0);
      expect(await check(3, 'activeNodes', '/ws/v1/cluster/metrics')).toBe(1);
      live = 12;
      expect(await check(3)).toBe(0);
      expect(await check(12, 'activeNodes', '/ws/v1/cluster/metrics')).toBe(0);
      server.close();
      expect(await check(1)).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('jobCds', () => {
  it("puts Spark's jars first and names the archive where the image has one", () => {
    const { opts, classPath } = jobCds('/opt/spark', '/opt/cds/spark/job.jsa');
    expect(opts).toBe(
      ' -Xshare:auto -XX:SharedArchiveFile=/opt/cds/spark/job.jsa -Xlog:disable -Xlog:all=warning:stderr',
    );
    expect(classPath).toMatch(/^spark\.driver\.extraClassPath +\/opt\/spark\/jars\/\*$/m);
    expect(classPath).toMatch(/^spark\.executor\.extraClassPath +\/opt\/spark\/jars\/\*$/m);
  });

  it('leaves the JVMs and their classpaths alone without an archive', () => {
    expect(jobCds('/opt/spark', undefined)).toEqual({ opts: '', classPath: '' });
  });
});

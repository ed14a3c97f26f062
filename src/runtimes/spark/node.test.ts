import { describe, expect, it } from 'vitest';
import type { RuntimeNodeContext } from '../node/context.js';
import { HISTORY_WAIT_S, historyServerPrelude } from './node.js';

function ctx(types: string[]): RuntimeNodeContext {
  return {
    head: true,
    nodeIp: '10.0.0.2',
    headIp: '10.0.0.2',
    nodeId: 'h',
    runtime: { types },
    dataDisks: [],
    home: '/home/u/runtime',
    layout: { hadoopConfDir: '/c', sparkConfDir: '/s', sparkHome: '/opt/spark' },
  };
}

describe('historyServerPrelude', () => {
  it('makes the HDFS event log folder, then waits for a DataNode and a NodeManager, for a while only', () => {
    const lines = historyServerPrelude(ctx(['hdfs', 'yarn', 'spark']), 'hdfs://10.0.0.2:9000/shared/spark-events');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^until curl -sf -X PUT 'http:\/\/10\.0\.0\.2:9870\/webhdfs\/v1\/shared\/spark-events\?op=MKDIRS&user\.name=[^']+' >\/dev\/null; do sleep 0\.5; done$/,
    );
    expect(lines[1]).toContain(`for _ in $(seq ${HISTORY_WAIT_S * 2})`);
    expect(lines[1]).toContain('"NumLiveDataNodes" : [1-9]');
    expect(lines[1]).toContain(
      `curl -sf 'http://10.0.0.2:8088/jmx?qry=Hadoop:service=ResourceManager,name=ClusterMetrics' | grep -q '"NumActiveNMs" : [1-9]'`,
    );
  });

  it('has nothing to wait for on a cluster without HDFS and YARN', () => {
    expect(historyServerPrelude(ctx(['spark']), 'file:///tmp/spark-events')).toEqual([]);
  });
});

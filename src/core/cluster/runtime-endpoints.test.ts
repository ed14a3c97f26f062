import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../config/types.js';
import { runtimeEndpoints } from './runtimes.js';

const config = (types: string[]): ClusterConfig => ({ runtime: { types } }) as unknown as ClusterConfig;

describe('runtimeEndpoints', () => {
  it("gives the head's web UIs as URLs and the workers' services as one connect list, by address", () => {
    expect(runtimeEndpoints(config(['yarn', 'zookeeper', 'kafka']), '10.0.0.1', ['10.0.0.10', '10.0.0.9'])).toEqual([
      { runtime: 'yarn', name: 'YARN ResourceManager web UI', url: 'http://10.0.0.1:8088/cluster' },
      { runtime: 'zookeeper', name: 'ZooKeeper ensemble (zookeeper.connect)', url: '10.0.0.9:2181,10.0.0.10:2181' },
      { runtime: 'kafka', name: 'Kafka brokers (bootstrap.servers)', url: '10.0.0.9:9092,10.0.0.10:9092' },
    ]);
  });

  it('leaves out worker services while no worker runs', () => {
    expect(runtimeEndpoints(config(['kafka']), '10.0.0.1')).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { nonCamelKeys } from '../../json.js';
import { poolStatusJson } from './simulator.js';

describe('simulator status --json', () => {
  it("renames the pool service's wire names to the CLI's, and keeps the rest", () => {
    const json = poolStatusJson({
      config: '/p.yaml',
      address: '127.0.0.1:8282',
      instance_types: { small: { CPU: 1, memory: '1G' } },
      hosts: [
        {
          name: '10.0.0.1',
          ip: '10.0.0.1',
          external_ip: '192.0.2.1',
          instance_type: 'small',
          state: 'terminated',
          tags: {},
        },
        { name: '10.0.0.2', ip: '10.0.0.2', instance_type: 'small', state: 'running', tags: { 'cloudtik-x': 'y' } },
      ],
      workspaces: ['ws'],
      free: { small: 1 },
      refused: [{ at: 5, instance_type: 'small', count: 2, free: 1, cluster: 'c' }],
    });
    expect(json.hosts[0]).toEqual({
      name: '10.0.0.1',
      ip: '10.0.0.1',
      externalIp: '192.0.2.1',
      instanceType: 'small',
      state: 'terminated',
      tags: {},
    });
    expect(json.hosts[1]).not.toHaveProperty('externalIp');
    expect(json.refused).toEqual([{ at: 5, instanceType: 'small', count: 2, free: 1, cluster: 'c' }]);
    expect(json.instanceTypes).toEqual({ small: { resources: { CPU: 1, memory: '1G' } } });
    expect(nonCamelKeys(json)).toEqual([]);
  });
});

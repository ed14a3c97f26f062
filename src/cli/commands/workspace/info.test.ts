import { describe, expect, it } from 'vitest';
import { renderTable } from '../../table.js';
import { CLUSTER_COLUMNS, networkDetails } from './info.js';

describe('workspace info', () => {
  it('shows the bridge, subnet and gateway a provider has, and no placeholders for those it has not', () => {
    expect(
      networkDetails({ name: 'w', network: 'cloudtik-w', bridge: 'br-1', subnet: '10.1.0.0/24', gateway: '10.1.0.1' }),
    ).toBe(' (bridge br-1, subnet 10.1.0.0/24, gateway 10.1.0.1)');
    expect(networkDetails({ name: 'w', network: 'namespace/w' })).toBe('');
  });
});

describe('workspace info clusters', () => {
  it('lists each cluster on a line under aligned headers', () => {
    const clusters = [
      { name: 'demo', head: 1, workers: 2, running: 3 },
      { name: 'spark-big', head: 1, workers: 10, running: 9 },
    ];
    expect(renderTable(CLUSTER_COLUMNS, clusters)).toBe(
      ['CLUSTER    HEAD  WORKERS  RUNNING', 'demo       1     2        3', 'spark-big  1     10       9'].join('\n'),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { networkDetails } from './info.js';

describe('workspace info', () => {
  it('shows the bridge, subnet and gateway a provider has, and no placeholders for those it has not', () => {
    expect(
      networkDetails({ name: 'w', network: 'cloudtik-w', bridge: 'br-1', subnet: '10.1.0.0/24', gateway: '10.1.0.1' }),
    ).toBe(' (bridge br-1, subnet 10.1.0.0/24, gateway 10.1.0.1)');
    expect(networkDetails({ name: 'w', network: 'namespace/w' })).toBe('');
  });
});

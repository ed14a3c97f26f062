import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/issues.js';
import { parsePoolConfig } from './config.js';

const TYPES = 'instance_types:\n  small: {CPU: 2, memory: 4G}\n  medium: {CPU: 4, memory: 8G}\n';

function errorOf(text: string): ConfigError {
  try {
    parsePoolConfig(text, 'pool.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('the pool file was accepted');
}

describe('pool file', () => {
  it("accepts CloudTik's example pool file", () => {
    const text = [
      'instance_types:',
      '  your_instance_type:',
      '    CPU: 4',
      '    memory: 8G',
      'nodes:',
      '  - ip: node_1_ip',
      '    instance_type: your_instance_type',
      '  - ip: node_2_ip',
      '    external_ip: node_2_external_ip',
      '    instance_type: your_instance_type',
      '',
    ].join('\n');
    const config = parsePoolConfig(text, 'example.yaml', '/abs/example.yaml');
    expect(config).toEqual({
      file: '/abs/example.yaml',
      instanceTypes: { your_instance_type: { CPU: 4, memory: '8G' } },
      hosts: [
        { ip: 'node_1_ip', instanceType: 'your_instance_type' },
        { ip: 'node_2_ip', instanceType: 'your_instance_type', externalIp: 'node_2_external_ip' },
      ],
      useInternalIps: false,
      warnings: [],
    });
  });

  it('reads use_internal_ips, GPU and memory in bytes; warns about a type without memory', () => {
    const text = `instance_types:\n  g: {CPU: 8, GPU: 2, memory: 17179869184}\n  t: {CPU: 1}\nnodes: [{ip: h, instance_type: g}]\nuse_internal_ips: true\n`;
    const config = parsePoolConfig(text, 'p.yaml');
    expect(config.useInternalIps).toBe(true);
    expect(config.instanceTypes).toEqual({ g: { CPU: 8, GPU: 2, memory: 17179869184 }, t: { CPU: 1 } });
    expect(config.warnings).toEqual([
      'p.yaml:3:6 instance_types.t: no memory: clusters see hosts of this type with 0 bytes of memory (add memory: 8G (or bytes))',
    ]);
  });

  const cases: Array<{ name: string; text: string; errors: string[] }> = [
    {
      name: 'no nodes',
      text: TYPES,
      errors: ['pool.yaml:1:1 nodes: no nodes: the pool file lists its hosts under nodes'],
    },
    {
      name: 'nodes not a list',
      text: `${TYPES}nodes: {ip: a}\n`,
      errors: ['pool.yaml:4:8 nodes: nodes must be a list of {ip, instance_type, external_ip?}'],
    },
    {
      name: 'a node without ip, and one that is not a map',
      text: `${TYPES}nodes:\n  - {instance_type: small}\n  - just-a-name\n`,
      errors: [
        'pool.yaml:5:5 nodes[0].ip: no ip',
        'pool.yaml:6:5 nodes[1]: a host is a map: {ip, instance_type, external_ip?}',
      ],
    },
    {
      name: 'a host listed twice',
      text: `${TYPES}nodes:\n  - {ip: 10.0.0.1, instance_type: small}\n  - {ip: 10.0.0.2, instance_type: small}\n  - {ip: 10.0.0.1, instance_type: medium}\n`,
      errors: ["pool.yaml:7:10 nodes[2].ip: host '10.0.0.1' is listed twice (first as nodes[0])"],
    },
    {
      name: 'an undefined instance type, a near miss and a missing one',
      text: `${TYPES}nodes:\n  - {ip: a, instance_type: small}\n  - {ip: b, instance_type: smal}\n  - ip: c\n    instance_type: big\n  - {ip: d}\n`,
      errors: [
        "pool.yaml:6:28 nodes[1].instance_type: 'smal' is not a defined instance type (defined: small, medium)",
        "pool.yaml:8:20 nodes[2].instance_type: 'big' is not a defined instance type (defined: small, medium)",
        'pool.yaml:9:5 nodes[3].instance_type: missing (defined: small, medium)',
      ],
    },
    {
      name: 'instance types without CPU, with a bad CPU, GPU or memory',
      text: `instance_types:\n  a: {memory: 4G}\n  b: {CPU: 0, memory: 4G}\n  c: {CPU: 2.5, memory: 4G}\n  d: {CPU: 2, memory: 4Q}\n  e: {CPU: 2, memory: 4G, GPU: -1}\n  f: {resources: {CPU: 4, memoryMb: 4096}}\nnodes: []\n`,
      errors: [
        'pool.yaml:2:3 instance_types.a: no CPU',
        'pool.yaml:3:12 instance_types.b.CPU: CPU must be a whole number of at least 1, not 0',
        'pool.yaml:4:12 instance_types.c.CPU: CPU must be a whole number of at least 1, not 2.5',
        'pool.yaml:5:23 instance_types.d.memory: invalid memory size "4Q": expected a number with a unit K, M, G or T (for example 4G, 1024M, 512Mi)',
        'pool.yaml:6:32 instance_types.e.GPU: GPU must be a whole number of at least 0, not -1',
        'pool.yaml:7:3 instance_types.f: no CPU',
      ],
    },
    {
      name: 'use_internal_ips that is not a boolean',
      text: `${TYPES}nodes: []\nuse_internal_ips: 'no'\n`,
      errors: ['pool.yaml:5:19 use_internal_ips: must be true or false, not "no"'],
    },
    {
      name: 'a YAML syntax error',
      text: 'nodes: [\n',
      errors: ['pool.yaml:2:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    },
    {
      name: 'an empty file',
      text: '',
      errors: ['pool.yaml:1:1: the pool file is empty or not a map'],
    },
  ];

  it.each(cases)('reports $name at its line and column', ({ text, errors }) => {
    const err = errorOf(text);
    expect(err.code).toBe('ERR_CLOUDTIK_CONFIG');
    expect(err.message.split('\n').filter((line) => !line.startsWith('  hint:'))).toEqual(errors);
  });

  it('gives hints: the near miss, the docs shape CloudTik never read', () => {
    const near = errorOf(`${TYPES}nodes: [{ip: a, instance_type: mediun}]\n`);
    expect(near.issues[0]!.hint).toBe("did you mean 'medium'?");
    const docs = errorOf('instance_types:\n  t: {resources: {CPU: 4}}\nnodes: []\n');
    expect(docs.issues[0]!.hint).toContain("CloudTik's docs nest them under resources");
  });
});

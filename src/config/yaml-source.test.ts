import { describe, expect, it } from 'vitest';
import { formatPath, parseYamlSource, positionOf } from './yaml-source.js';

const TEXT = `cluster_name: demo
base: &base
  image: x
auth:
  ssh_user: ubuntu
available_node_types:
  worker.default:
    min_workers: 2
    node_config:
      data_disks:
        - /tmp/a
        - /tmp/b
merged:
  <<: *base
  other: 1
'setup_commands++':
  - echo hi
empty:
`;

describe('parseYamlSource', () => {
  const { source, issues } = parseYamlSource(TEXT, 'c.yaml');

  it('parses to plain data with merge keys resolved', () => {
    expect(issues).toEqual([]);
    expect(source.data).toMatchObject({ merged: { image: 'x', other: 1 }, empty: null });
  });

  it.each<[Array<string | number>, 'key' | 'value', { line: number; col: number } | undefined]>([
    [['cluster_name'], 'value', { line: 1, col: 15 }],
    [['cluster_name'], 'key', { line: 1, col: 1 }],
    [['auth', 'ssh_user'], 'key', { line: 5, col: 3 }],
    [['available_node_types', 'worker.default', 'min_workers'], 'value', { line: 8, col: 18 }],
    [['available_node_types', 'worker.default', 'node_config', 'data_disks', 1], 'value', { line: 12, col: 11 }],
    [['available_node_types', 'worker.default', 'node_config', 'data_disks', '0'], 'value', { line: 11, col: 11 }],
    [['merged', 'image'], 'value', { line: 3, col: 10 }],
    [['setup_commands', 0], 'value', { line: 17, col: 5 }],
    [['empty'], 'value', { line: 18, col: 7 }],
    [['missing'], 'key', undefined],
    [[], 'key', undefined],
  ])('positionOf %j (%s)', (path, at, expected) => {
    expect(positionOf(source, path, at)).toEqual(expected);
  });

  it('reports syntax errors with positions', () => {
    const bad = parseYamlSource('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml');
    expect(bad.source.data).toBeUndefined();
    expect(bad.issues[0]).toMatchObject({ severity: 'error', file: 'bad.yaml', line: 3, col: 1 });
    expect(bad.issues[0]?.message).toMatch(/^YAML: /);
  });

  it('rejects duplicate keys', () => {
    const dup = parseYamlSource('a: 1\na: 2\n', 'dup.yaml');
    expect(dup.issues).toEqual([expect.objectContaining({ severity: 'error', line: 2, col: 1 })]);
  });

  it('keeps YAML 1.2 scalars: y and yes stay strings', () => {
    expect(parseYamlSource('y: yes\nn: True\n', 'f').source.data).toEqual({ y: 'yes', n: true });
  });
});

describe('formatPath', () => {
  it('joins keys with dots and indexes with brackets', () => {
    expect(formatPath(['available_node_types', 'head.default', 'node_config', 'data_disks', 0])).toBe(
      'available_node_types.head.default.node_config.data_disks[0]',
    );
    expect(formatPath([])).toBe('');
  });
});

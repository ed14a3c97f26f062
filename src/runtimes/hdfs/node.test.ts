import { describe, expect, it } from 'vitest';
import { freshVersionFile } from './node.js';

// What `hdfs namenode -format` wrote into the image's template folder.
const TEMPLATE = `#Tue Nov 24 11:19:11 UTC 2026
namespaceID=771716642
blockpoolID=BP-865465633-172.17.0.2-1795519151897
storageType=NAME_NODE
cTime=1795519151897
clusterID=CID-template
layoutVersion=-66
`;

function parse(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('freshVersionFile', () => {
  it('gives the NameNode folder new namespace, cluster and block pool ids and keeps the rest', () => {
    let seed = 0.123;
    const random = (): number => (seed = (seed * 9301 + 0.49297) % 1);
    const now = Date.UTC(2026, 10, 24, 12, 0, 0);
    const v = parse(freshVersionFile(TEMPLATE, '172.18.0.2', now, random));
    expect(Object.keys(v).sort()).toEqual(
      ['namespaceID', 'blockpoolID', 'storageType', 'cTime', 'clusterID', 'layoutVersion'].sort(),
    );
    expect(v.storageType).toBe('NAME_NODE');
    expect(v.layoutVersion).toBe('-66');
    expect(v.cTime).toBe(String(now));
    expect(Number(v.namespaceID)).toBeGreaterThan(0);
    expect(Number(v.namespaceID)).toBeLessThan(2 ** 31);
    expect(v.namespaceID).not.toBe('771716642');
    expect(v.clusterID).toMatch(/^CID-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(v.blockpoolID).toMatch(new RegExp(`^BP-\\d+-172\\.18\\.0\\.2-${now}$`));
  });

  it('differs from one cluster to the next', () => {
    const a = parse(freshVersionFile(TEMPLATE, '10.0.0.2', 1, Math.random));
    const b = parse(freshVersionFile(TEMPLATE, '10.0.0.2', 1, Math.random));
    expect(a.clusterID).not.toBe(b.clusterID);
    expect(a.namespaceID).not.toBe(b.namespaceID);
  });
});

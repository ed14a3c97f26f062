import fsp from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudtikError } from '../errors.js';
import { layerScript } from './install.js';
import { dockerDir } from './package.js';
import {
  isDebianLike,
  layerArgs,
  layerHash,
  layerHashes,
  layersFor,
  missingFiles,
  parseProbe,
  STAGE,
  type LayerInputs,
} from './layers.js';

const SHA = (c: string): string => c.repeat(64);

function hadoopLayer(overrides: Partial<LayerInputs> = {}): LayerInputs {
  return {
    layer: 'hadoop',
    files: [
      { name: 'install.sh', sha256: SHA('1'), mode: 0o755, path: '/x/install.sh' },
      { name: 'jars/hadoop-common-3.3.6.jar', sha256: SHA('2'), mode: 0o644, path: '/cache/2' },
    ],
    env: { HADOOP_VERSION: '3.3.6', CLOUDTIK_NODE_USER: 'ubuntu' },
    args: [STAGE, 'host'],
    ...overrides,
  };
}

describe('layersFor', () => {
  it('gives every host base and cloudtik, and the image layers each runtime lives in, in install order', () => {
    expect(layersFor([])).toEqual(['base', 'cloudtik']);
    expect(layersFor(['hdfs'])).toEqual(['base', 'hadoop', 'cloudtik']);
    expect(layersFor(['yarn', 'hdfs'])).toEqual(['base', 'hadoop', 'cloudtik']);
    expect(layersFor(['hdfs', 'spark', 'mysql', 'metastore'])).toEqual(['base', 'hadoop', 'spark', 'sql', 'cloudtik']);
    expect(layersFor(['spark'])).toEqual(['base', 'hadoop', 'spark', 'cloudtik']);
    expect(layersFor(['prometheus'])).toEqual(['base', 'hadoop', 'spark', 'cloudtik']);
    expect(layersFor(['prometheus', 'hdfs', 'yarn', 'spark'])).toEqual(['base', 'hadoop', 'spark', 'cloudtik']);
    expect(layersFor(['zookeeper', 'kafka'])).toEqual(['base', 'hadoop', 'streaming', 'cloudtik']);
    expect(layersFor(['spark', 'kafka'])).toEqual(['base', 'hadoop', 'spark', 'streaming', 'cloudtik']);
    expect(layersFor(['hdfs', 'yarn', 'flink'])).toEqual(['base', 'hadoop', 'streaming', 'cloudtik']);
  });

  it('refuses a runtime it has no install for, naming it', () => {
    expect(() => layersFor(['hdfs', 'storm'])).toThrow(CloudtikError);
    expect(() => layersFor(['storm'])).toThrow(/runtime storm cannot be installed on a bare host/);
  });
});

describe('layerHash', () => {
  const base = layerHash(hadoopLayer(), undefined);

  it('is stable and does not depend on the order of files or environment', () => {
    const layer = hadoopLayer();
    const shuffled = hadoopLayer({
      files: [...layer.files].reverse(),
      env: { CLOUDTIK_NODE_USER: 'ubuntu', HADOOP_VERSION: '3.3.6' },
    });
    expect(layerHash(shuffled, undefined)).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a lock line (a file sha256 or name) changes', () => {
    const layer = hadoopLayer();
    const newJar = { ...layer.files[1]!, sha256: SHA('3') };
    expect(layerHash(hadoopLayer({ files: [layer.files[0]!, newJar] }), undefined)).not.toBe(base);
    const renamed = { ...layer.files[1]!, name: 'jars/hadoop-common-3.3.7.jar' };
    expect(layerHash(hadoopLayer({ files: [layer.files[0]!, renamed] }), undefined)).not.toBe(base);
  });

  it('changes when the install script changes or loses its executable bit', () => {
    const layer = hadoopLayer();
    const edited = { ...layer.files[0]!, sha256: SHA('4') };
    expect(layerHash(hadoopLayer({ files: [edited, layer.files[1]!] }), undefined)).not.toBe(base);
    const plain = { ...layer.files[0]!, mode: 0o644 };
    expect(layerHash(hadoopLayer({ files: [plain, layer.files[1]!] }), undefined)).not.toBe(base);
  });

  it('changes with a version, the node user, the arguments or the layer below', () => {
    expect(
      layerHash(hadoopLayer({ env: { HADOOP_VERSION: '3.3.7', CLOUDTIK_NODE_USER: 'ubuntu' } }), undefined),
    ).not.toBe(base);
    expect(
      layerHash(hadoopLayer({ env: { HADOOP_VERSION: '3.3.6', CLOUDTIK_NODE_USER: 'admin' } }), undefined),
    ).not.toBe(base);
    expect(layerHash(hadoopLayer({ args: [STAGE, 'image'] }), undefined)).not.toBe(base);
    expect(layerHash(hadoopLayer(), SHA('a'))).not.toBe(base);
  });

  it('chains: a change in a lower layer changes every marker above it, not the ones below', () => {
    const baseLayer: LayerInputs = {
      layer: 'base',
      files: [{ name: 'install.sh', sha256: SHA('5'), mode: 0o755, path: '/b' }],
      env: {},
      args: [STAGE, 'host'],
    };
    const before = layerHashes([baseLayer, hadoopLayer()]);
    const nodeBump = { ...baseLayer, env: { NODE_VERSION: '22.0.1' } };
    const after = layerHashes([nodeBump, hadoopLayer()]);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    const jarBump = hadoopLayer({ files: [hadoopLayer().files[0]!, { ...hadoopLayer().files[1]!, sha256: SHA('6') }] });
    const upper = layerHashes([baseLayer, jarBump]);
    expect(upper[0]).toBe(before[0]);
    expect(upper[1]).not.toBe(before[1]);
  });
});

describe('layerArgs', () => {
  it('passes the layer folder and host mode, or the cloudtik tarball or URL with the version to check', () => {
    expect(layerArgs('spark', { version: '1.0.0' })).toEqual([STAGE, 'host']);
    expect(layerArgs('cloudtik', { version: '1.0.0' })).toEqual([`${STAGE}/cloudtik.tgz`, '1.0.0', 'host']);
    expect(layerArgs('cloudtik', { version: '1.0.0', url: 'https://x/c.tgz' })).toEqual([
      'https://x/c.tgz',
      '',
      'host',
    ]);
  });
});

describe('parseProbe', () => {
  it('reads user, architecture, system, sudo, layer markers and cached files', () => {
    const probe = parseProbe(
      [
        'user ubuntu',
        'arch x86_64',
        'os debian ',
        'sudo yes',
        `layer base ${SHA('a')}`,
        `file ${SHA('b')}`,
        'file not-a-hash',
        'noise',
      ].join('\n'),
    );
    expect(probe).toMatchObject({
      user: 'ubuntu',
      arch: 'x86_64',
      os: 'debian',
      sudo: true,
      layers: { base: SHA('a') },
    });
    expect([...probe.files]).toEqual([SHA('b')]);
    expect(parseProbe('sudo no\n').sudo).toBe(false);
  });

  it('accepts Debian and Ubuntu (and their derivatives), nothing else', () => {
    expect(isDebianLike('debian')).toBe(true);
    expect(isDebianLike('ubuntu debian')).toBe(true);
    expect(isDebianLike('linuxmint ubuntu')).toBe(true);
    expect(isDebianLike('fedora')).toBe(false);
    expect(isDebianLike('')).toBe(false);
  });
});

describe('missingFiles', () => {
  it('lists each file the host cache lacks once, across layers', () => {
    const a = hadoopLayer();
    const b = { ...hadoopLayer(), layer: 'spark' as const };
    expect(missingFiles([a, b], new Set([SHA('1')])).map((f) => f.sha256)).toEqual([SHA('2')]);
    expect(missingFiles([a], new Set([SHA('1'), SHA('2')]))).toEqual([]);
  });
});

describe('layerScript', () => {
  it('links the cached files into the layer folder, runs install.sh with quoted values, then writes the marker', () => {
    const script = layerScript(
      hadoopLayer({ env: { HADOOP_VERSION: '3.3.6', CLOUDTIK_NODE_USER: "o'brien" } }),
      SHA('f'),
    );
    const stage = '/var/cache/cloudtik/stage/hadoop';
    expect(script).toContain(`ln -f /var/cache/cloudtik/files/${SHA('2')} ${stage}/jars/hadoop-common-3.3.6.jar`);
    expect(script).toContain(`chmod 755 ${stage}/install.sh`);
    expect(script).toContain(
      `CLOUDTIK_NODE_USER='o'\\''brien' CLOUDTIK_LAYER_HASH=${SHA('f')} bash ${stage}/install.sh ${stage} host`,
    );
    const lines = script.split('\n');
    const run = lines.findIndex((l) => l.includes('install.sh /var'));
    const marker = lines.findIndex((l) => l.includes(`echo ${SHA('f')} >`));
    expect(run).toBeGreaterThan(0);
    expect(marker).toBeGreaterThan(run);
    // Under the host's install lock, and skipped when another install put the layer in place meanwhile.
    const lock = lines.findIndex((l) => l.includes('flock 9'));
    const recheck = lines.findIndex((l) => l.includes(`= ${SHA('f')} ]; then`) && l.includes('exit 0'));
    expect(lock).toBeGreaterThan(0);
    expect(recheck).toBeGreaterThan(lock);
    expect(run).toBeGreaterThan(recheck);
  });
});

describe('the layers’ profile.sh files', () => {
  /** `ENV K=V \ K2=V2` of a Dockerfile, continuation lines joined. */
  function dockerfileEnv(text: string): Record<string, string> {
    const joined = text.replace(/\\\n/g, ' ');
    const vars: Record<string, string> = {};
    for (const line of joined.split('\n')) {
      if (!line.startsWith('ENV ')) continue;
      for (const m of line.slice(4).matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g)) vars[m[1]!] = m[2]!;
    }
    return vars;
  }

  it('export for login shells on hosts what each Dockerfile sets with ENV (PATH and LANG aside)', async () => {
    for (const layer of ['base', 'hadoop', 'spark']) {
      const dir = path.join(dockerDir(), layer);
      const env = dockerfileEnv(await fsp.readFile(path.join(dir, 'Dockerfile'), 'utf8'));
      const profile = await fsp.readFile(path.join(dir, 'profile.sh'), 'utf8');
      const names = Object.keys(env).filter((k) => k !== 'PATH' && k !== 'LANG');
      expect(names.length, layer).toBeGreaterThan(0);
      for (const name of names) expect(profile, `${layer}: ${name}`).toContain(`export ${name}=${env[name]}\n`);
    }
  });
});

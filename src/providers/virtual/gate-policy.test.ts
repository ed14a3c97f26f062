import { describe, expect, it } from 'vitest';
import {
  containerRefusal,
  createRefusal,
  execRefusal,
  isZero,
  listedInScope,
  routeRequest,
  scopedFilters,
  type GatePolicy,
} from './gate-policy.js';

const policy: GatePolicy = {
  workspace: 'ws',
  cluster: 'c1',
  network: 'cloudtik-ws',
  execUsers: ['root', 'ubuntu'],
  workerTypes: {
    'worker.default': {
      image: 'cloudtik/spark-runtime:1.0',
      cpus: 2,
      memoryBytes: 2 ** 30,
      dataDisks: ['/srv/disks'],
      dataDirs: ['/srv/share'],
    },
  },
};

const NAME = 'ws-c1-0a1b2c3d';

const labels = (over: Record<string, string> = {}): Record<string, string> => ({
  'cloudtik-workspace-name': 'ws',
  'cloudtik-cluster-name': 'c1',
  'cloudtik-node-kind': 'worker',
  'cloudtik-user-node-type': 'worker.default',
  ...over,
});

/** A create body as the provider sends it for a worker. */
function workerSpec(hostConfig: Record<string, unknown> = {}, top: Record<string, unknown> = {}): unknown {
  return {
    Hostname: NAME,
    Image: 'cloudtik/spark-runtime:1.0',
    Cmd: ['sleep', 'infinity'],
    Labels: labels(),
    Env: ['LC_ALL=C.UTF-8'],
    HostConfig: {
      Init: true,
      NetworkMode: 'cloudtik-ws',
      NanoCpus: 2e9,
      Memory: 2 ** 30,
      MemorySwap: 2 ** 30,
      Binds: [`/srv/disks/${NAME}:/mnt/cloudtik/data_disk_1`, '/srv/share:/cloudtik/data/share'],
      CapAdd: ['NET_ADMIN', 'SYS_NICE'],
      IpcMode: 'private',
      ...hostConfig,
    },
    ...top,
  };
}

describe('routeRequest', () => {
  const cases: [string, string, string][] = [
    ['GET', '/_ping', 'engine'],
    ['HEAD', '/_ping', 'engine'],
    ['GET', '/v1.41/version', 'engine'],
    ['GET', '/v1.24/containers/abc/json', 'container'],
    ['POST', '/v1.23/containers/abc/start', 'refused'],
    ['GET', '/v1.12/_ping', 'refused'],
    ['GET', '/containers/json?all=true&filters=%7B%7D', 'list'],
    ['POST', '/v1.41/containers/create?name=x', 'create'],
    ['GET', '/containers/abc/json', 'container'],
    ['POST', '/containers/abc/start', 'container'],
    ['POST', '/containers/abc/stop?t=3', 'container'],
    ['POST', '/containers/abc/kill?signal=SIGKILL', 'container'],
    ['DELETE', '/containers/abc?force=true&v=true', 'container'],
    ['POST', '/containers/abc/exec', 'container'],
    ['PUT', '/containers/abc/archive?path=%2Ftmp', 'container'],
    ['GET', '/containers/abc/archive?path=%2Ftmp', 'container'],
    ['POST', '/exec/e1/start', 'exec'],
    ['GET', '/exec/e1/json', 'exec'],
    ['GET', '/info', 'refused'],
    ['GET', '/v1.41/info', 'refused'],
    ['GET', '/system/df', 'refused'],
    ['GET', '/events', 'refused'],
    ['GET', '/images/json', 'refused'],
    ['POST', '/images/create?fromImage=debian', 'refused'],
    ['DELETE', '/images/debian', 'refused'],
    ['POST', '/build', 'refused'],
    ['POST', '/commit?container=abc', 'refused'],
    ['POST', '/volumes/create', 'refused'],
    ['POST', '/networks/create', 'refused'],
    ['POST', '/networks/n/connect', 'refused'],
    ['GET', '/networks/n', 'network'],
    ['GET', '/networks/n?verbose=true', 'refused'],
    ['DELETE', '/networks/n', 'refused'],
    ['GET', '/networks', 'refused'],
    ['POST', '/containers/abc/update', 'refused'],
    ['POST', '/containers/abc/rename?name=y', 'refused'],
    ['GET', '/containers/abc/export', 'refused'],
    ['POST', '/containers/prune', 'refused'],
    ['GET', '/containers/abc/json/extra', 'refused'],
    ['GET', '/containers/..%2F..%2Finfo/json', 'refused'],
    ['DELETE', '/containers/abc?link=true', 'refused'],
    ['GET', '/containers/json?all=1&bogus=1', 'refused'],
    ['POST', '/containers/create?name=x&platform=linux', 'refused'],
    ['GET', '/swarm', 'refused'],
    ['POST', '/exec/e1/other', 'refused'],
  ];
  it.each(cases)('%s %s -> %s', (method, url, kind) => {
    expect(routeRequest(method, url).kind).toBe(kind);
  });

  it.each([
    ['GET', '/images/json', /images are managed from the host/],
    ['GET', '/info', /engine's own information/],
    ['POST', '/volumes/create', /volumes/],
  ])('says why %s %s is closed', (method, url, message) => {
    const route = routeRequest(method, url);
    expect(route.kind === 'refused' ? route.message : '').toMatch(message);
  });

  it('keeps the API version prefix and decodes the container id', () => {
    expect(routeRequest('POST', '/v1.41/containers/ws-c1-0a1b2c3d/exec')).toMatchObject({
      kind: 'container',
      prefix: '/v1.41',
      id: 'ws-c1-0a1b2c3d',
      action: 'exec',
    });
  });
});

describe('containerRefusal', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['a worker of the cluster', labels(), true],
    ['the head of the cluster', labels({ 'cloudtik-node-kind': 'head' }), true],
    ['the gate itself', labels({ 'cloudtik-node-kind': 'gate' }), false],
    ['another cluster', labels({ 'cloudtik-cluster-name': 'c2' }), false],
    ['another workspace', labels({ 'cloudtik-workspace-name': 'other' }), false],
    ['an unlabelled container', {}, false],
  ];
  it.each(cases)('%s', (_what, l, allowed) => {
    expect(containerRefusal(policy, 'x', l) === undefined).toBe(allowed);
  });
});

describe('scopedFilters', () => {
  it('adds the cluster labels to what the caller gave, in either filter form', () => {
    expect(JSON.parse(scopedFilters(policy, null))).toEqual({
      label: ['cloudtik-workspace-name=ws', 'cloudtik-cluster-name=c1'],
    });
    expect(JSON.parse(scopedFilters(policy, '{"label":["cloudtik-cluster-name=c2"],"status":["running"]}'))).toEqual({
      label: ['cloudtik-cluster-name=c2', 'cloudtik-workspace-name=ws', 'cloudtik-cluster-name=c1'],
      status: ['running'],
    });
    expect(JSON.parse(scopedFilters(policy, '{"label":{"a=b":true}}'))).toEqual({
      label: ['a=b', 'cloudtik-workspace-name=ws', 'cloudtik-cluster-name=c1'],
    });
  });
  it('drops listed containers that are not nodes of the cluster', () => {
    expect(listedInScope(policy, { Labels: labels() })).toBe(true);
    expect(listedInScope(policy, { Labels: labels({ 'cloudtik-node-kind': 'gate' }) })).toBe(false);
    expect(listedInScope(policy, { Labels: null })).toBe(false);
  });
});

describe('createRefusal', () => {
  it('allows a worker exactly as the provider creates it (with zero-valued extras)', () => {
    expect(createRefusal(policy, NAME, workerSpec())).toBeUndefined();
    expect(
      createRefusal(
        policy,
        NAME,
        workerSpec({ Privileged: false, Devices: [], RestartPolicy: { Name: 'unless-stopped' } }, { Volumes: {} }),
      ),
    ).toBeUndefined();
  });

  const refusals: [string, string | null, unknown, RegExp][] = [
    ['privileged', NAME, workerSpec({ Privileged: true }), /privileged containers are refused/],
    ['bind of /', NAME, workerSpec({ Binds: ['/:/host'] }), /host path \/ is not one of the cluster's own folders/],
    ['bind of /etc', NAME, workerSpec({ Binds: ['/etc:/mnt/etc:ro'] }), /host path \/etc /],
    ['disk of another node', NAME, workerSpec({ Binds: ['/srv/disks/other:/mnt/cloudtik/data_disk_1'] }), /host path/],
    ['mounts', NAME, workerSpec({ Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] }), /mounts other than/],
    ['capability', NAME, workerSpec({ CapAdd: ['SYS_ADMIN'] }), /capabilities beyond NET_ADMIN, SYS_NICE/],
    ['all capabilities', NAME, workerSpec({ CapAdd: ['ALL'] }), /capabilities/],
    ['devices', NAME, workerSpec({ Devices: [{ PathOnHost: '/dev/sda' }] }), /devices are refused/],
    ['host pid', NAME, workerSpec({ PidMode: 'host' }), /host or shared namespaces/],
    ['host ipc', NAME, workerSpec({ IpcMode: 'host' }), /host or shared namespaces/],
    ['host network', NAME, workerSpec({ NetworkMode: 'host' }), /NetworkMode must be the workspace network/],
    ['host userns', NAME, workerSpec({ UsernsMode: 'host' }), /host or shared namespaces/],
    ['security options', NAME, workerSpec({ SecurityOpt: ['seccomp=unconfined'] }), /security options/],
    ['published ports', NAME, workerSpec({ PortBindings: { '22/tcp': [{ HostPort: '2222' }] } }), /ports published/],
    ['volumes from', NAME, workerSpec({ VolumesFrom: ['x'] }), /volumes are refused/],
    ['anonymous volume', NAME, workerSpec({}, { Volumes: { '/data': {} } }), /volumes are refused/],
    ['unknown host setting', NAME, workerSpec({ CpusetCpus: '0' }), /HostConfig.CpusetCpus is not allowed/],
    [
      'a key differing in case',
      NAME,
      workerSpec({ privileged: false }),
      /privileged is refused \(did you mean Privileged\?\)/,
    ],
    ['a zero limit in other case', NAME, workerSpec({ memory: 0 }), /did you mean Memory/],
    ['no memory limit', NAME, workerSpec({ Memory: 0, MemorySwap: 0 }), /Memory must be set/],
    [
      'more memory than configured',
      NAME,
      workerSpec({ Memory: 2 ** 31, MemorySwap: 2 ** 31 }),
      /Memory must be set, at most/,
    ],
    ['more CPUs than configured', NAME, workerSpec({ NanoCpus: 4e9 }), /NanoCpus/],
    ['unlimited swap', NAME, workerSpec({ MemorySwap: -1 }), /MemorySwap/],
    ['negative OOM score', NAME, workerSpec({ OomScoreAdj: -1000 }), /OomScoreAdj/],
    [
      'foreign image',
      NAME,
      workerSpec({}, { Image: 'debian:12' }),
      /image debian:12 is not the image of worker.default/,
    ],
    ['no labels', NAME, workerSpec({}, { Labels: {} }), /must carry the labels/],
    ['another cluster', NAME, workerSpec({}, { Labels: labels({ 'cloudtik-cluster-name': 'c2' }) }), /must carry/],
    ['a head', NAME, workerSpec({}, { Labels: labels({ 'cloudtik-node-kind': 'head' }) }), /only workers/],
    [
      'an unknown type',
      NAME,
      workerSpec({}, { Labels: labels({ 'cloudtik-user-node-type': 'x' }) }),
      /not a worker type/,
    ],
    [
      'a prototype key as type',
      NAME,
      workerSpec({}, { Labels: labels({ 'cloudtik-user-node-type': 'constructor' }) }),
      /not a worker type/,
    ],
    ['no name', null, workerSpec(), /must be named ws-c1-<8 hex digits>/],
    ['a foreign name', 'ws-c2-0a1b2c3d', workerSpec(), /must be named/],
    [
      'other network endpoint',
      NAME,
      workerSpec({}, { NetworkingConfig: { EndpointsConfig: { bridge: {} } } }),
      /network bridge/,
    ],
    ['log driver', NAME, workerSpec({ LogConfig: { Type: 'syslog' } }), /log driver syslog/],
    // The engine still reads HostConfig fields given at the top level (an old form of the API).
    ['a top-level Privileged', NAME, workerSpec({}, { Privileged: true }), /Privileged is not allowed/],
    ['a top-level bind', NAME, workerSpec({}, { Binds: ['/:/host'] }), /Binds is not allowed/],
    ['a host config in other case', NAME, workerSpec({}, { hostconfig: {} }), /did you mean HostConfig/],
    ['not an object', NAME, [], /JSON object/],
  ];
  it.each(refusals)('refuses %s', (_what, name, body, message) => {
    expect(createRefusal(policy, name, body)).toMatch(message);
  });
});

describe('execRefusal', () => {
  const cases: [string, unknown, RegExp | undefined][] = [
    ['as the node user', { Cmd: ['id'], User: 'ubuntu', AttachStdout: true }, undefined],
    ['as root', { Cmd: ['id'], User: 'root', Env: ['A=1'] }, undefined],
    ['as the default user', { Cmd: ['id'] }, undefined],
    ['privileged', { Cmd: ['id'], Privileged: true }, /privileged execs are refused/],
    ['as another user', { Cmd: ['id'], User: 'mallory' }, /exec as mallory is refused/],
    ['with an unknown setting', { Cmd: ['id'], Bogus: 1 }, /Bogus is not allowed/],
    ['privileged in other case', { Cmd: ['id'], privileged: true }, /did you mean Privileged/],
  ];
  it.each(cases)('%s', (_what, body, message) => {
    const r = execRefusal(policy, body);
    if (message === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(message);
  });
});

describe('isZero', () => {
  it.each([[null], [false], [0], [''], [[]], [{}], [{ Name: '', MaximumRetryCount: 0 }]])('%j is zero', (v) => {
    expect(isZero(v)).toBe(true);
  });
  it.each([[true], [1], ['x'], [['a']], [{ Name: 'always' }], [{ '/data': {} }]])('%j is not zero', (v) => {
    expect(isZero(v)).toBe(false);
  });
});

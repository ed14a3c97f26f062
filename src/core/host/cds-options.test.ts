import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerDir } from './package.js';

/** docker/hadoop/bin/cds-options: which class data sharing options a Java program gets. */
const script = path.join(dockerDir(), 'hadoop', 'bin', 'cds-options');
const DYNAMIC_MAGIC = Buffer.from([0xa8, 0xab, 0x0b, 0xf0]);
let dir: string;
let jvm: string;

async function options(archive: string, train = '', make = 'make'): Promise<string[]> {
  const { stdout } = await promisify(execFile)('bash', [script, archive, train, make], {
    env: { ...process.env, JAVA_HOME: jvm },
  });
  return stdout.split('\n').filter((l) => l !== '');
}

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cds-options-'));
  jvm = path.join(dir, 'jdk');
  await fsp.mkdir(path.join(jvm, 'lib', 'server'), { recursive: true });
  await fsp.writeFile(path.join(jvm, 'lib', 'server', 'libjvm.so'), '');
  await fsp.utimes(path.join(jvm, 'lib', 'server', 'libjvm.so'), new Date('2024-01-01'), new Date('2024-01-01'));
});
afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

describe('cds-options', () => {
  const dump = (p: string): string[] => [`-XX:ArchiveClassesAtExit=${p}`, '-Xlog:cds*=off'];
  const use = (p: string): string[] => [
    '-Xshare:auto',
    `-XX:SharedArchiveFile=${p}`,
    '-Xlog:disable',
    '-Xlog:all=warning:stderr',
  ];

  it('trains into the given path at image builds', async () => {
    expect(await options(path.join(dir, 'a.jsa'), '/out/a.jsa')).toEqual(dump('/out/a.jsa'));
  });

  it('has a daemon write its archive when none is there, and start from it once it is', async () => {
    const archive = path.join(dir, 'a.jsa');
    expect(await options(archive)).toEqual(dump(archive));
    await fsp.writeFile(archive, Buffer.concat([DYNAMIC_MAGIC, Buffer.alloc(64)]));
    expect(await options(archive)).toEqual(use(archive));
  });

  it('lets no other command write one (several may run at once)', async () => {
    expect(await options(path.join(dir, 'a.jsa'), '', '')).toEqual([]);
  });

  it('makes again an archive left half written or older than the JVM', async () => {
    const archive = path.join(dir, 'a.jsa');
    await fsp.writeFile(archive, Buffer.alloc(4096));
    expect(await options(archive)).toEqual(dump(archive));
    await expect(fsp.stat(archive)).rejects.toThrow();
    await fsp.writeFile(archive, Buffer.concat([DYNAMIC_MAGIC, Buffer.alloc(64)]));
    await fsp.utimes(archive, new Date('2020-01-01'), new Date('2020-01-01'));
    expect(await options(archive)).toEqual(dump(archive));
  });
});

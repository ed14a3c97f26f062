import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectDirectory } from '../../core/host/files.js';
import { hashImageInputs, packContext, type ContextFile, type ImageHashInputs } from './image-context.js';

let dir: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-ctx-'));
  await fsp.mkdir(path.join(dir, 'conf'));
  await fsp.writeFile(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY conf /conf\n');
  await fsp.writeFile(path.join(dir, 'conf', 'a.txt'), 'alpha\n');
  await fsp.writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
});

afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

async function inputs(overrides: Partial<ImageHashInputs> = {}): Promise<ImageHashInputs> {
  return { files: await collectDirectory(dir), buildArgs: { A: '1', B: '2' }, parentId: 'sha256:parent', ...overrides };
}

describe('hashImageInputs', () => {
  it('is stable for equal inputs, whatever the order of files and build args', async () => {
    const first = await hashImageInputs(await inputs());
    const shuffled = await inputs({ buildArgs: { B: '2', A: '1' } });
    shuffled.files.reverse();
    expect(await hashImageInputs(shuffled)).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when a file changes', async () => {
    const before = await hashImageInputs(await inputs());
    await fsp.writeFile(path.join(dir, 'conf', 'a.txt'), 'alpha!\n');
    expect(await hashImageInputs(await inputs())).not.toBe(before);
  });

  it('changes when a file is added, renamed or made executable', async () => {
    const before = await hashImageInputs(await inputs());
    await fsp.writeFile(path.join(dir, 'conf', 'b.txt'), '');
    const added = await hashImageInputs(await inputs());
    expect(added).not.toBe(before);
    await fsp.rename(path.join(dir, 'conf', 'b.txt'), path.join(dir, 'conf', 'c.txt'));
    const renamed = await hashImageInputs(await inputs());
    expect(renamed).not.toBe(added);
    await fsp.chmod(path.join(dir, 'conf', 'c.txt'), 0o755);
    expect(await hashImageInputs(await inputs())).not.toBe(renamed);
  });

  it('ignores permission bits other than executable', async () => {
    const before = await hashImageInputs(await inputs());
    await fsp.chmod(path.join(dir, 'conf', 'a.txt'), 0o600);
    expect(await hashImageInputs(await inputs())).toBe(before);
  });

  it('changes with the parent image, a build arg or an extra input', async () => {
    const base = await hashImageInputs(await inputs());
    expect(await hashImageInputs(await inputs({ parentId: 'sha256:other' }))).not.toBe(base);
    expect(await hashImageInputs(await inputs({ buildArgs: { A: '1', B: '3' } }))).not.toBe(base);
    expect(await hashImageInputs(await inputs({ extra: { recipe: 2 } }))).not.toBe(base);
  });

  it('uses a given digest instead of reading the file', async () => {
    const files: ContextFile[] = [{ name: 'big', path: path.join(dir, 'missing-file'), mode: 0o644, digest: 'd1' }];
    const a = await hashImageInputs({ files, buildArgs: {}, parentId: undefined });
    const b = await hashImageInputs({ files: [{ ...files[0]!, digest: 'd2' }], buildArgs: {}, parentId: undefined });
    expect(a).not.toBe(b);
  });

  it('refuses a context file given twice', async () => {
    const file: ContextFile = { name: 'x', data: Buffer.from('1'), mode: 0o644 };
    await expect(hashImageInputs({ files: [file, file], buildArgs: {}, parentId: undefined })).rejects.toThrow(/twice/);
  });
});

describe('packContext', () => {
  it('writes a tar that tar(1) extracts to the same files, long names included', async () => {
    const longName = `${'deep/'.repeat(30)}file-with-a-long-name.txt`;
    const files = [
      ...(await collectDirectory(dir)),
      { name: 'inline.txt', data: Buffer.from('inline data'), mode: 0o644 },
      { name: longName, data: Buffer.from('long'), mode: 0o644 },
    ];
    const chunks: Buffer[] = [];
    for await (const chunk of packContext(files)) chunks.push(chunk as Buffer);
    const tarFile = path.join(dir, 'out.tar');
    await fsp.writeFile(tarFile, Buffer.concat(chunks));
    const out = path.join(dir, 'out');
    await fsp.mkdir(out);
    execFileSync('tar', ['-xf', tarFile, '-C', out]);
    expect(await fsp.readFile(path.join(out, 'Dockerfile'), 'utf8')).toBe('FROM scratch\nCOPY conf /conf\n');
    expect(await fsp.readFile(path.join(out, 'conf', 'a.txt'), 'utf8')).toBe('alpha\n');
    expect(await fsp.readFile(path.join(out, 'inline.txt'), 'utf8')).toBe('inline data');
    expect(await fsp.readFile(path.join(out, longName), 'utf8')).toBe('long');
    expect(fs.statSync(path.join(out, 'run.sh')).mode & 0o777).toBe(0o755);
  });

  it('takes files from several folders, one file under two names, and in-memory files', async () => {
    const other = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-ctx-other-'));
    try {
      await fsp.writeFile(path.join(other, 'b.txt'), 'beta\n');
      const files: ContextFile[] = [
        { name: 'x/one.txt', path: path.join(dir, 'conf', 'a.txt'), mode: 0o644 },
        { name: 'x/two.txt', path: path.join(dir, 'conf', 'a.txt'), mode: 0o755 },
        { name: 'b.txt', path: path.join(other, 'b.txt'), mode: 0o600 },
        { name: 'Dockerfile', data: Buffer.from('FROM scratch\n'), mode: 0o644 },
      ];
      const listing = execFileSync('tar', ['-tvf', '-'], { input: await tarBytes(files) }).toString();
      expect(
        listing
          .split('\n')
          .filter(Boolean)
          .map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).at(-1)}`),
      ).toEqual(['-rw-r--r-- x/one.txt', '-rwxr-xr-x x/two.txt', '-rw-r--r-- b.txt', '-rw-r--r-- Dockerfile']);
      // Owner root (uid and gid 0) and the fixed mtime on every entry.
      for (const l of listing.split('\n').filter(Boolean)) expect(l).toMatch(/ 0\/0 .* 1985-10-26 /);
    } finally {
      await fsp.rm(other, { recursive: true, force: true });
    }
  });

  it('fails, naming the path, on a folder given as a file', async () => {
    const files: ContextFile[] = [{ name: 'conf', path: path.join(dir, 'conf'), mode: 0o644 }];
    await expect(tarBytes(files)).rejects.toThrow(`${path.join(dir, 'conf')} is not a regular file`);
  });

  it('is byte-for-byte deterministic', async () => {
    const pack = async (): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const chunk of packContext(await collectDirectory(dir))) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    const a = await pack();
    await fsp.utimes(path.join(dir, 'Dockerfile'), new Date(), new Date(2000, 1, 1));
    expect((await pack()).equals(a)).toBe(true);
  });
});

async function tarBytes(files: ContextFile[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of packContext(files)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tar from 'tar-fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unpackDownload } from './transfer.js';

let dir: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cloudtik-transfer-'));
});

afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const modeOf = (p: string): string => (fs.statSync(p).mode & 0o777).toString(8);

describe('unpackDownload', () => {
  it('makes a missing target folder from the archive, contents and modes kept', async () => {
    // What a node sends for `download <node>:/data/src`: `tar -c -C /data src`.
    await fsp.mkdir(path.join(dir, 'src', 'sub'), { recursive: true });
    await fsp.writeFile(path.join(dir, 'src', 'a.bin'), Buffer.from([0, 1, 2, 255]), { mode: 0o640 });
    await fsp.writeFile(path.join(dir, 'src', 'sub', 'key'), 'private\n', { mode: 0o600 });
    await fsp.chmod(path.join(dir, 'src', 'sub'), 0o750);
    const target = path.join(dir, 'out', 'nested', 'copy');
    await unpackDownload(tar.pack(dir, { entries: ['src'] }), '/data/src', target);
    expect(await fsp.readFile(path.join(target, 'a.bin'))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect([
      modeOf(path.join(target, 'a.bin')),
      modeOf(path.join(target, 'sub')),
      modeOf(path.join(target, 'sub', 'key')),
    ]).toEqual(['640', '750', '600']);
  });

  it('leaves nothing behind when the node sent no archive (its path did not exist)', async () => {
    const empty = new PassThrough();
    empty.end();
    await unpackDownload(empty, '/data/nope', path.join(dir, 'fresh', 'copy')).catch(() => undefined);
    expect(fs.existsSync(path.join(dir, 'fresh'))).toBe(false);
  });
});

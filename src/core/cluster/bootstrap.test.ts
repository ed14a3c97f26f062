import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HEAD_STATE_DIR } from '../../providers/provider.js';
import { installStateCommand } from './bootstrap.js';

const scratch: string[] = [];
afterEach(() => {
  for (const d of scratch.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('installStateCommand', () => {
  it("installs the files byte for byte in the node user's 0700 folder, and shows none of them", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudtik-state-'));
    scratch.push(root);
    const secret = '{"redisPassword":"pa$$ \'word\\n"}';
    const key = Buffer.from([0, 1, 2, 255, 10]);
    const c = installStateCommand([
      { name: 'secrets.json', content: secret },
      { name: 'bootstrap-key', content: key },
    ]);
    expect(c.label).toBe(`install the cluster's state in ${HEAD_STATE_DIR}`);
    expect(c.command).not.toContain('redisPassword');
    // sudo, as the node sees it, with the head's folder moved under the scratch folder.
    const script = `sudo() { shift; sed "s#${HEAD_STATE_DIR}#${root}${HEAD_STATE_DIR}#g; s#mkdir -p /cloudtik #mkdir -p ${root}/cloudtik #; s# /cloudtik\\$# ${root}/cloudtik#" | "$@"; }\n${c.command}`;
    execFileSync('bash', ['-c', script], { env: { ...process.env, SUDO_USER: os.userInfo().username } });
    const dir = path.join(root, HEAD_STATE_DIR);
    expect(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8')).toBe(secret);
    expect(fs.readFileSync(path.join(dir, 'bootstrap-key'))).toEqual(key);
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toString(8)).toBe('600');
    expect(fs.statSync(dir).uid).toBe(os.userInfo().uid);
  });
});

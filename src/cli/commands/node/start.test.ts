import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { command } from './start.js';

describe('cloudtik node start', () => {
  it("has bin/cloudtik.js's fast path take exactly the command's flags", () => {
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bin/cloudtik.js');
    const list = /const NODE_START_FLAGS = \[([^\]]*)\]/.exec(fs.readFileSync(bin, 'utf8'))?.[1] ?? '';
    const fast = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    const own = (command.options ?? []).map((o) => o.flags);
    expect(fast.sort()).toEqual(own.sort());
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DockerEngine } from './engine.js';
import { CloudtikError } from '../../core/errors.js';

const tools = vi.hoisted(() => ({ present: new Set(['debootstrap', 'tar']) }));

vi.mock('../../core/host/process.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/host/process.js')>();
  return { ...real, findTool: (name: string) => (tools.present.has(name) ? `/usr/bin/${name}` : undefined) };
});

const { bootstrapDebianImage, debootstrapArgs, jsonLines } = await import('./image-debian.js');
const { Readable } = await import('node:stream');

const options = { ref: 'cloudtik/debian:bookworm', hash: 'h', labels: {}, sink: () => undefined };
const noDocker = {} as DockerEngine;

afterEach(() => {
  tools.present = new Set(['debootstrap', 'tar']);
  vi.restoreAllMocks();
});

describe('bootstrapDebianImage', () => {
  it('says how to install debootstrap when it is missing', async () => {
    tools.present = new Set(['tar']);
    const err = await bootstrapDebianImage(noDocker, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).code).toBe('ERR_CLOUDTIK_IMAGE');
    expect((err as CloudtikError).hint).toMatch(/apt-get install debootstrap/);
  });

  it('asks for root when not run as root', async () => {
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    const err = await bootstrapDebianImage(noDocker, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudtikError);
    expect((err as CloudtikError).message).toMatch(/needs root/);
    expect((err as CloudtikError).hint).toMatch(/sudo cloudtik image build/);
  });
});

describe('debootstrapArgs', () => {
  it('bootstraps the minbase variant of bookworm from the default mirror', () => {
    expect(debootstrapArgs('/t')).toEqual(['--variant=minbase', 'bookworm', '/t']);
  });
});

describe('jsonLines', () => {
  it('parses objects split across chunks and keeps plain text lines', async () => {
    const stream = Readable.from([
      '{"stream":"Step 1/2',
      ' : FROM x\\n"}\n{"aux":{"ID":"sha256:1"}}\nplain text\n',
      '{"error":"boom"}',
    ]);
    const lines: Record<string, unknown>[] = [];
    for await (const line of jsonLines(stream)) lines.push(line);
    expect(lines).toEqual([
      { stream: 'Step 1/2 : FROM x\n' },
      { aux: { ID: 'sha256:1' } },
      { stream: 'plain text' },
      { error: 'boom' },
    ]);
  });
});

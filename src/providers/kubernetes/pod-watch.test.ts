import { describe, expect, it } from 'vitest';
import { PodWatch } from './pod-watch.js';
import type { Pod } from './pods.js';

const pod = (name: string, phase: string): Pod => ({ metadata: { name }, status: { phase } });
const phases = (view: PodWatch): string[] => view.pods().map((p) => `${p.metadata?.name}:${p.status?.phase}`);

/** Whether `p` has settled (without waiting for it). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('PodWatch', () => {
  it('keeps the listed pods up to date from the stream and tells each change', async () => {
    const { view, event } = PodWatch.forTest([pod('head', 'Pending')]);
    expect(phases(view)).toEqual(['head:Pending']);

    const first = view.changed();
    expect(await settled(first)).toBe(false);
    event('MODIFIED', pod('head', 'Running'));
    expect(await settled(first)).toBe(true);
    expect(phases(view)).toEqual(['head:Running']);

    const second = view.changed();
    event('ADDED', pod('worker-1', 'Pending'));
    expect(await settled(second)).toBe(true);
    expect(phases(view)).toEqual(['head:Running', 'worker-1:Pending']);

    event('DELETED', pod('head', 'Running'));
    expect(phases(view)).toEqual(['worker-1:Pending']);
    expect(view.live).toBe(true);
  });

  it('says nothing of a bookmark', async () => {
    const { view, event } = PodWatch.forTest([pod('head', 'Running')]);
    const next = view.changed();
    event('BOOKMARK', { metadata: {} });
    expect(await settled(next)).toBe(false);
    expect(phases(view)).toEqual(['head:Running']);
  });

  it('stops following at an error event, and tells it, so that waits list the pods instead', async () => {
    const { view, event } = PodWatch.forTest([pod('head', 'Running')]);
    const next = view.changed();
    event('ERROR', { metadata: {}, message: 'too old resource version' } as Pod);
    expect(await settled(next)).toBe(true);
    expect(view.live).toBe(false);
    expect(view.ended).toBe('too old resource version');
  });

  it('is no longer live once closed', () => {
    const { view } = PodWatch.forTest([]);
    view.close();
    expect(view.live).toBe(false);
  });
});

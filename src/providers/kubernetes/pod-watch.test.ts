import { describe, expect, it } from 'vitest';
import { PodWatch } from './pod-watch.js';
import type { Pod } from './pods.js';

const pod = (name: string, phase: string): Pod => ({ metadata: { name }, status: { phase } });
const phases = (view: PodWatch): string[] => view.pods().map((p) => `${p.metadata?.name}:${p.status?.phase}`);

/** A view of `pods` and how many times its listener was told of a change. */
function watched(pods: Pod[]): { view: PodWatch; told: () => number; unlisten: () => void } {
  const view = new PodWatch(pods);
  let count = 0;
  const unlisten = view.onChange(() => count++);
  return { view, told: () => count, unlisten };
}

describe('PodWatch', () => {
  it('keeps the listed pods up to date from the stream and tells each change', () => {
    const { view, told } = watched([pod('head', 'Pending')]);
    expect(phases(view)).toEqual(['head:Pending']);
    expect(told()).toBe(0);

    view.apply('MODIFIED', pod('head', 'Running'));
    expect(told()).toBe(1);
    expect(phases(view)).toEqual(['head:Running']);

    view.apply('ADDED', pod('worker-1', 'Pending'));
    expect(told()).toBe(2);
    expect(phases(view)).toEqual(['head:Running', 'worker-1:Pending']);

    view.apply('DELETED', pod('head', 'Running'));
    expect(told()).toBe(3);
    expect(phases(view)).toEqual(['worker-1:Pending']);
    expect(view.live).toBe(true);
  });

  it('says nothing of a bookmark', () => {
    const { view, told } = watched([pod('head', 'Running')]);
    view.apply('BOOKMARK', { metadata: {} });
    expect(told()).toBe(0);
    expect(phases(view)).toEqual(['head:Running']);
  });

  it('stops following at an error event, and tells it once, so that waits list the pods instead', () => {
    const { view, told } = watched([pod('head', 'Running')]);
    view.apply('ERROR', { metadata: {} });
    view.close();
    expect(told()).toBe(1);
    expect(view.live).toBe(false);
  });

  it('tells a listener nothing once it stopped listening', () => {
    const { view, told, unlisten } = watched([]);
    unlisten();
    view.apply('ADDED', pod('head', 'Pending'));
    expect(told()).toBe(0);
  });

  it('is no longer live once closed', () => {
    const { view } = watched([]);
    view.close();
    expect(view.live).toBe(false);
  });
});

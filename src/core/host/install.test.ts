import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../command/runner.js';
import type { CoreEvent } from '../events.js';
import { layerStepWatcher } from './install.js';

describe('layerStepWatcher', () => {
  it("reports each finished step of a layer's install script, also when a line arrives in pieces", () => {
    const events: CoreEvent[] = [];
    const runner = { nodeId: '10.0.0.7' } as CommandRunner;
    const watch = layerStepWatcher({ runner, sink: (e) => events.push(e) }, 'spark');
    watch('Setting up python3 ...\ncloudtik-step-done sys');
    watch('tem 41250\nnoise cloudtik-step-done fake 1\n');
    watch('cloudtik-step-done cds 90001\ncloudtik-step-done bad x\n');
    expect(events).toEqual([
      {
        type: 'step',
        id: 'host-install:10.0.0.7:spark:system',
        title: '10.0.0.7: spark layer, step system',
        state: 'done',
        ms: 41250,
      },
      {
        type: 'step',
        id: 'host-install:10.0.0.7:spark:cds',
        title: '10.0.0.7: spark layer, step cds',
        state: 'done',
        ms: 90001,
      },
    ]);
  });
});

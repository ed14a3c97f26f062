import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Integration files run in two lanes, one file at a time in each, two vitest processes side by
 * side (dev/test.sh): most of a file's time is waiting on containers and JVMs, so two lanes finish
 * the suite in about two thirds of the time of one. The second lane holds every file that uses SSH
 * test hosts or a host pool (they share the test host image and the pool service of this machine,
 * so they never run at the same time), and Flink and Presto to even out the lanes' times. Files
 * that share something else (the development Kubernetes) are all in the first lane.
 */
const SECOND_LANE = [
  'docker-hosts',
  'gc',
  'host-docker',
  'host-install',
  'local',
  'local-docker',
  'local-runtimes',
  'onpremise',
  'simulator',
  'ssh',
  'flink',
  'presto',
].map((name) => `test/${name}.it.test.ts`);

/**
 * The two files that load the machine most (Trino's four JVMs; HDFS, YARN and Spark on four SSH
 * hosts) run apart: the first lane starts with one, the second ends with the other. In vitest's own
 * order (larger files first) they ran side by side, each taking almost twice its time alone.
 */
const RUN_FIRST = ['test/sql.it.test.ts'];
const RUN_LAST = ['test/local-runtimes.it.test.ts'];

class LaneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const named = (list: string[], f: TestSpecification): boolean => list.some((name) => f.moduleId.endsWith(name));
    const rank = (f: TestSpecification): number => (named(RUN_FIRST, f) ? -1 : named(RUN_LAST, f) ? 1 : 0);
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

const integration = {
  environment: 'node' as const,
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 300_000,
  hookTimeout: 600_000,
  fileParallelism: false,
};

export default defineConfig({
  test: {
    sequence: { sequencer: LaneSequencer },
    projects: [
      {
        test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' },
      },
      {
        test: { name: 'integration', include: ['test/**/*.it.test.ts'], exclude: SECOND_LANE, ...integration },
      },
      {
        test: { name: 'integration-2', include: SECOND_LANE, ...integration },
      },
    ],
  },
});

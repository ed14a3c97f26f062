import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../config/types.js';
import { jobCommand } from './submit.js';

const cluster = (types: string[]): ClusterConfig => ({ runtime: { types } }) as unknown as ClusterConfig;

describe('jobCommand', () => {
  it.each([
    {
      types: ['spark'],
      file: '~/user/jobs/wc.py',
      args: ['hdfs:///in', 'a b'],
      want: "spark-submit ~/user/jobs/wc.py hdfs:///in 'a b'",
    },
    { types: [], file: '~/user/jobs/t.py', args: [], want: 'python3 ~/user/jobs/t.py' },
    { types: [], file: '~/user/jobs/t.sh', args: ['x'], want: 'bash ~/user/jobs/t.sh x' },
    { types: ['spark'], file: '~/user/jobs/app.jar', args: [], want: 'spark-submit ~/user/jobs/app.jar' },
  ])('$file with runtimes $types', ({ types, file, args, want }) => {
    expect(jobCommand(cluster(types), file, args)).toBe(want);
  });

  it('puts runtime options before the job', () => {
    expect(jobCommand(cluster(['spark']), '~/user/jobs/wc.py', ['in'], '--conf a=b')).toBe(
      'spark-submit --conf a=b ~/user/jobs/wc.py in',
    );
  });

  it('refuses files it cannot run, and Spark files without Spark', () => {
    expect(() => jobCommand(cluster([]), '~/user/jobs/a.txt', [])).toThrow(/cannot tell how to run a.txt/);
    expect(() => jobCommand(cluster([]), '~/user/jobs/a.jar', [])).toThrow(/needs the spark runtime/);
  });
});

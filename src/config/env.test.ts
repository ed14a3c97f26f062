import { afterEach, describe, expect, it, vi } from 'vitest';
import { env } from './env.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('env', () => {
  const cases: { name: string; vars: Record<string, string | undefined>; read: () => unknown; want: unknown }[] = [
    { name: 'CI=true is CI', vars: { CI: 'true' }, read: () => env.isCI(), want: true },
    { name: 'CI=1 is CI (as everywhere)', vars: { CI: '1' }, read: () => env.isCI(), want: true },
    { name: 'CI=false is not CI', vars: { CI: 'false' }, read: () => env.isCI(), want: false },
    { name: 'NO_COLOR set', vars: { NO_COLOR: '1' }, read: () => env.noColor(), want: true },
    { name: 'NO_COLOR empty keeps colour', vars: { NO_COLOR: '' }, read: () => env.noColor(), want: false },
    { name: 'CLOUDTIK_VERBOSE=1', vars: { CLOUDTIK_VERBOSE: '1' }, read: () => env.verbose(), want: true },
    { name: 'CLOUDTIK_VERBOSE unset', vars: { CLOUDTIK_VERBOSE: undefined }, read: () => env.verbose(), want: false },
    {
      name: 'Hadoop conf dir under HADOOP_HOME',
      vars: { HADOOP_HOME: '/h', HADOOP_CONF_DIR: undefined },
      read: () => env.hadoopConfDir(),
      want: '/h/etc/hadoop',
    },
    {
      name: 'HADOOP_CONF_DIR wins',
      vars: { HADOOP_HOME: '/h', HADOOP_CONF_DIR: '/c' },
      read: () => env.hadoopConfDir(),
      want: '/c',
    },
    {
      name: 'Spark conf dir in the image by default',
      vars: { SPARK_HOME: undefined, SPARK_CONF_DIR: '' },
      read: () => env.sparkConfDir(),
      want: '/opt/spark/conf',
    },
    {
      name: 'no runtime config',
      vars: { CLOUDTIK_RUNTIME_CONFIG: '' },
      read: () => env.runtimeConfig(),
      want: undefined,
    },
    { name: 'user name', vars: { USER: 'hdfs' }, read: () => env.userName(), want: 'hdfs' },
    { name: 'no user name', vars: { USER: undefined }, read: () => env.userName(), want: undefined },
  ];
  it.each(cases)('$name', ({ vars, read, want }) => {
    for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
    expect(read()).toEqual(want);
  });
});

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { flinkConfig, flinkConfigText, flinkDirs, resourceOf } from './settings.js';

const FS = 'hdfs://10.0.0.2:9000';
const base = { resource: { jobManagerMb: 768, taskManagerMb: 1024, slots: 2 }, fs: FS, headIp: '10.0.0.2', user: {} };

describe('flinkConfig', () => {
  it('sizes the processes, keeps state and history in HDFS, and runs PyFlink on the image Python', () => {
    const conf = flinkConfig(base);
    expect(conf).toMatchObject({
      'jobmanager.memory.process.size': '768m',
      'taskmanager.memory.process.size': '1024m',
      'taskmanager.numberOfTaskSlots': 2,
      'state.checkpoints.dir': `${FS}/shared/flink-checkpoints`,
      'state.savepoints.dir': `${FS}/shared/flink-savepoints`,
      'jobmanager.archive.fs.dir': `${FS}/shared/flink-history`,
      'historyserver.archive.fs.dir': `${FS}/shared/flink-history`,
      'historyserver.web.address': '10.0.0.2',
      'historyserver.web.port': 8082,
      'python.executable': '/opt/flink-venv/bin/python',
      'python.client.executable': '/opt/flink-venv/bin/python',
    });
    expect(conf['env.java.opts.all']).toContain('--add-opens=java.base/java.util=ALL-UNNAMED');
  });

  it.each([
    [{ 'parallelism.default': 4 }, 'parallelism.default', 4],
    [{ 'taskmanager.numberOfTaskSlots': 1 }, 'taskmanager.numberOfTaskSlots', 1],
    [{ 'state.checkpoints.dir': 'hdfs:///cp' }, 'state.checkpoints.dir', 'hdfs:///cp'],
    [{ 'execution.checkpointing.unaligned': true }, 'execution.checkpointing.unaligned', true],
  ])('runtime.flink.config %o wins', (user, key, value) => {
    expect(flinkConfig({ ...base, user })[key]).toBe(value);
  });

  it('writes a YAML file that reads back as the same settings', () => {
    const conf = flinkConfig({ ...base, user: { 'pipeline.name': 'a: "b" #c' } });
    expect(parse(flinkConfigText(conf))).toEqual(conf);
  });

  it('names the folders under /shared of the file system', () => {
    expect(flinkDirs('hdfs://h:9000')).toEqual({
      checkpoints: 'hdfs://h:9000/shared/flink-checkpoints',
      savepoints: 'hdfs://h:9000/shared/flink-savepoints',
      history: 'hdfs://h:9000/shared/flink-history',
    });
  });
});

describe('resourceOf', () => {
  const fallback = { jobManagerMb: 1024, taskManagerMb: 640, slots: 4 };
  it.each([
    [undefined, fallback],
    [{ flink_taskmanager_memory: 2048 }, { ...fallback, taskManagerMb: 2048 }],
    [
      { flink_jobmanager_memory: 768, flink_taskmanager_memory: 1024, flink_taskmanager_cores: 2 },
      { jobManagerMb: 768, taskManagerMb: 1024, slots: 2 },
    ],
  ])('%o', (resource, want) => {
    expect(resourceOf(resource, fallback)).toEqual(want);
  });
});

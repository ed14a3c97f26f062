/**
 * CPU and memory use of this node. A virtual node is a container, where the load average and
 * `os.cpus()` describe the whole host; so the node's own control group is read first (cgroup v2,
 * then v1), and the host-wide figures are only the fallback.
 */
import fs from 'node:fs';
import os from 'node:os';

export interface NodeUsage {
  cpus: number;
  /** 0..1 share of `cpus` used since the previous sample. */
  cpuUtilization: number;
  memoryTotal: number;
  memoryUsed: number;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function num(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

interface CgroupReader {
  /** CPU time used so far, in microseconds. */
  cpuUsec(): number | undefined;
  cpuLimit(): number | undefined;
  memoryUsed(): number | undefined;
  memoryLimit(): number | undefined;
}

function cgroupV2(root: string): CgroupReader {
  return {
    cpuUsec: () => num(/usage_usec (\d+)/.exec(read(`${root}/cpu.stat`) ?? '')?.[1]),
    cpuLimit: () => {
      const [quota, period] = (read(`${root}/cpu.max`) ?? 'max').split(' ');
      const q = num(quota);
      const p = num(period);
      return q !== undefined && p ? q / p : undefined;
    },
    memoryUsed: () => num(read(`${root}/memory.current`)),
    memoryLimit: () => num(read(`${root}/memory.max`)),
  };
}

function cgroupV1(root: string): CgroupReader {
  return {
    cpuUsec: () => {
      const ns = num(read(`${root}/cpuacct/cpuacct.usage`));
      return ns === undefined ? undefined : ns / 1000;
    },
    cpuLimit: () => {
      const q = num(read(`${root}/cpu/cpu.cfs_quota_us`));
      const p = num(read(`${root}/cpu/cpu.cfs_period_us`));
      return q !== undefined && q > 0 && p ? q / p : undefined;
    },
    memoryUsed: () => num(read(`${root}/memory/memory.usage_in_bytes`)),
    memoryLimit: () => num(read(`${root}/memory/memory.limit_in_bytes`)),
  };
}

/** Samples this node's use; the first sample's CPU figure covers the time since construction. */
export class UsageSampler {
  private readonly cg: CgroupReader;
  private last: { at: number; usec: number } | undefined;

  constructor(root = '/sys/fs/cgroup') {
    this.cg = fs.existsSync(`${root}/cpu.stat`) ? cgroupV2(root) : cgroupV1(root);
    const usec = this.cg.cpuUsec();
    if (usec !== undefined) this.last = { at: performance.now(), usec };
  }

  sample(): NodeUsage {
    const hostCpus = os.availableParallelism();
    const cpus = Math.min(this.cg.cpuLimit() ?? hostCpus, hostCpus);
    let cpuUtilization: number;
    const usec = this.cg.cpuUsec();
    const now = performance.now();
    if (usec !== undefined && this.last) {
      const elapsedUsec = (now - this.last.at) * 1000;
      cpuUtilization = elapsedUsec > 0 ? (usec - this.last.usec) / elapsedUsec / cpus : 0;
    } else {
      cpuUtilization = (os.loadavg()[0] ?? 0) / hostCpus;
    }
    if (usec !== undefined) this.last = { at: now, usec };
    const limit = this.cg.memoryLimit();
    const memoryTotal = limit !== undefined && limit < os.totalmem() ? limit : os.totalmem();
    const memoryUsed = this.cg.memoryUsed() ?? os.totalmem() - os.freemem();
    return { cpus, cpuUtilization: Math.max(0, Math.min(1, cpuUtilization)), memoryTotal, memoryUsed };
  }
}

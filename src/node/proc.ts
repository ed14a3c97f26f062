/**
 * What Linux's /proc tells of processes: state, process group, CPU time and start time (the
 * fields of /proc/<pid>/stat after the command name, which may itself hold spaces or parentheses).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), X (dead), ... */
  state: string;
  pgrp: number;
  /** User and system CPU time, in clock ticks (USER_HZ, 100 a second on Linux). */
  cpuTicks: number;
  /** When it started, in clock ticks since boot (a string: it is only compared). */
  start: string;
}

function parseStat(text: string): ProcStat | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields.length < 20) return undefined;
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    state: fields[0] ?? '',
    pgrp: Number(fields[2]),
    cpuTicks: Number(fields[11]) + Number(fields[12]),
    start: fields[19] ?? '',
  };
}

/** Process `pid`'s stat, or undefined when there is none (gone, or no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether a process in this state runs (a zombie, left for a parent that does not reap it, does not). */
export function runs(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** The running processes of process group `pgid`. */
export async function groupStats(pgid: number): Promise<ProcStat[]> {
  const pids = (await fsp.readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  const stats = await Promise.all(
    pids.map(async (p) => parseStat(await fsp.readFile(`/proc/${p}/stat`, 'utf8').catch(() => ''))),
  );
  return stats.filter((s): s is ProcStat => runs(s) && s.pgrp === pgid);
}

/**
 * Whether any thread of these processes runs or waits for a core (R) or for the disk (D): work
 * under way, however little CPU a busy machine gives it.
 */
export async function anyThreadActive(processes: readonly ProcStat[]): Promise<boolean> {
  for (const p of processes) {
    const tasks = await fsp.readdir(`/proc/${p.pid}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const state = parseStat(await fsp.readFile(`/proc/${p.pid}/task/${t}/stat`, 'utf8').catch(() => ''))?.state;
      if (state === 'R' || state === 'D') return true;
    }
  }
  return false;
}

/** A description of the machine a benchmark ran on, for the report. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { openFileLimit } from './proc-stats';

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  kernel: string;
  openFiles: string;
  pushpin: string;
  /** 1-minute load average when the run started (other users share this machine). */
  load1: number;
}

function pushpinVersion(): string {
  try {
    return execFileSync('pushpin', ['--version'], { encoding: 'utf8', timeout: 5000 }).trim().split('\n')[0] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** Reads the machine description (CPU from /proc/cpuinfo, memory in GiB, limits, versions, load). */
export function machineInfo(): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'latin1'));
    if (m && m[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux: keep 'unknown'
  }
  return {
    // The machine's CPUs, not the ones this process may use (`--load-cpus` confines the bench to some).
    nproc: os.cpus().length || os.availableParallelism(),
    cpuModel,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: os.release(),
    openFiles: openFileLimit(),
    pushpin: pushpinVersion(),
    load1: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

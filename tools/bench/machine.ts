/** A description of the machine a benchmark ran on, for the report. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
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

/** Bytes the CPU probe hashes: ~20 ms of SHA-256 on this project's machines when nothing else runs. */
const PROBE_BYTES = 32 * 1024 * 1024;
let probeData: Buffer | undefined;

/**
 * How fast one CPU computes right now: the milliseconds SHA-256 takes over a fixed 32 MiB, the fastest of
 * three (native code, so the reading does not depend on how far V8 optimized a JavaScript loop). This
 * machine is a VM whose CPUs the host shares; a run that starts with a high reading started on a slow CPU.
 * Read before the run's load. (In the thirteenth pass it read 18.9–21 ms before Thumbtack's single slow
 * proxy runs and its fast ones alike: it did not explain them; docs/PERFORMANCE.md.)
 */
export function cpuProbeMs(bytes = PROBE_BYTES): number {
  if (probeData === undefined || probeData.length !== bytes) probeData = Buffer.alloc(bytes, 7);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    createHash('sha256').update(probeData).digest();
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best * 10) / 10;
}

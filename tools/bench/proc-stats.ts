/**
 * Linux /proc readings for the processes under test: the process tree of a pid, resident memory (VmRSS, KiB)
 * and CPU time (user + system, seconds). Processes that exit between two readings are skipped.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuListSet } from './cpu-list';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (`getconf CLK_TCK`, usually 100). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface StatLine {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields after the command name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const rest = text.slice(close + 2).split(' ');
  return {
    pid,
    comm: text.slice(open + 1, close),
    ppid: Number(rest[1]),
    ticks: Number(rest[11]) + Number(rest[12]),
  };
}

/** `root` and all its descendants that are alive now, root first. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (out.includes(pid)) continue;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out.filter((pid) => readStat(pid) !== undefined);
}

/** One process's reading. */
export interface ProcReading {
  pid: number;
  name: string;
  rssKb: number;
  cpuS: number;
}

/** Reads VmRSS and CPU time of each pid still alive. */
export function readProcs(pids: readonly number[]): ProcReading[] {
  const out: ProcReading[] = [];
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    let rssKb = 0;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'latin1');
      const m = /\nVmRSS:\s+(\d+) kB/.exec(status);
      rssKb = m ? Number(m[1]) : 0;
    } catch {
      continue;
    }
    out.push({ pid, name: stat.comm, rssKb, cpuS: stat.ticks / ticksPerSecond() });
  }
  return out;
}

/** Sums of a reading. */
export interface ProcTotals {
  rssKb: number;
  cpuS: number;
  /** RSS by process name (KiB), e.g. { condure: 1234, 'pushpin-handler': 567 }. */
  rssByName: Record<string, number>;
}

/** Sums RSS (KiB) and CPU time (s) of readings, also RSS by process name. */
export function totals(readings: readonly ProcReading[]): ProcTotals {
  const rssByName: Record<string, number> = {};
  let rssKb = 0;
  let cpuS = 0;
  for (const r of readings) {
    rssKb += r.rssKb;
    cpuS += r.cpuS;
    rssByName[r.name] = (rssByName[r.name] ?? 0) + r.rssKb;
  }
  return { rssKb, cpuS, rssByName };
}

/** Totals for a fixed set of pids (the proxy's processes, found once after start). */
export function measure(pids: readonly number[]): ProcTotals {
  return totals(readProcs(pids));
}

/** Process count and open-file limit of this machine, for the report. */
export function openFileLimit(): string {
  try {
    const limits = readFileSync('/proc/self/limits', 'latin1');
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
    return m ? `${m[1]} soft / ${m[2]} hard` : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The machine's count of TCP connections opened so far (`ActiveOpens` of the `Tcp:` lines of a
 * `/proc/net/snmp` text: a header line of names, then one of values), or undefined when it is not there.
 */
export function snmpTcpActiveOpens(snmpText: string): number | undefined {
  const lines = snmpText.split('\n').filter((line) => line.startsWith('Tcp:'));
  if (lines.length < 2) return undefined;
  const names = (lines[0] as string).trim().split(/\s+/);
  const values = (lines[1] as string).trim().split(/\s+/);
  const at = names.indexOf('ActiveOpens');
  if (at < 1 || values.length !== names.length) return undefined;
  const value = Number(values[at]);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** TCP connections this machine has opened so far (`/proc/net/snmp`), or undefined where it cannot tell. */
export function tcpActiveOpens(): number | undefined {
  try {
    return snmpTcpActiveOpens(readFileSync('/proc/net/snmp', 'latin1'));
  } catch {
    return undefined;
  }
}

/**
 * Whether a `/proc/<pid>/status` text says the process has a handler for signal number `signo` (1..64): bit
 * `signo - 1` of the hexadecimal `SigCgt` mask. False when the line is missing or malformed.
 */
export function statusCatches(statusText: string, signo: number): boolean {
  if (!Number.isInteger(signo) || signo < 1 || signo > 64) return false;
  const m = /(?:^|\n)SigCgt:\s*([0-9a-fA-F]{1,16})\s*(?:\n|$)/.exec(statusText);
  if (!m) return false;
  return ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n;
}

/** Whether process `pid` is alive and handles signal `signo` (so sending it will not end the process). */
export function catchesSignal(pid: number, signo: number): boolean {
  try {
    return statusCatches(readFileSync(`/proc/${pid}/status`, 'latin1'), signo);
  } catch {
    return false;
  }
}

/** The CPUs a `/proc/<pid>/status` text says the process may run on (`Cpus_allowed_list`); undefined if absent. */
export function statusCpus(statusText: string): number[] | undefined {
  const m = /(?:^|\n)Cpus_allowed_list:\s*([0-9,-]+)\s*(?:\n|$)/.exec(statusText);
  return m ? cpuListSet(m[1] as string) : undefined;
}

/**
 * The processes of `pids` (each thread included) that may run on other CPUs than `list`, as `pid/tid:
 * cpus` lines; empty when every one is confined to exactly those. Processes gone meanwhile are skipped.
 */
export function offCpuThreads(pids: readonly number[], list: string): string[] {
  const wanted = (cpuListSet(list) ?? []).join(',');
  const off: string[] = [];
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const cpus = statusCpus(readFileSync(`/proc/${pid}/task/${tid}/status`, 'latin1'));
        if (cpus !== undefined && cpus.join(',') !== wanted) off.push(`${pid}/${tid}: ${cpus.join(',')}`);
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return off;
}

/** The error to stop a run with when some thread of `pids` may run outside `list` (`who` names them); else undefined. */
export function unconfined(who: string, pids: readonly number[], list: string): Error | undefined {
  const off = offCpuThreads(pids, list);
  return off.length > 0 ? new Error(`${who} not confined to CPU(s) ${list}: ${off.slice(0, 3).join('; ')}`) : undefined;
}

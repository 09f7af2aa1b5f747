/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- <scenario> --cpu-prof DIR`): self time by function
 * and by file, busiest first. `node dist/tools/bench/profile-top.js FILE [TOP] [--under NAME]`; with `--under`,
 * only the time spent inside a function of that name (its own and its callees'). The summary is pure.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Ids of the nodes this one called. */
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Self time, ms. */
  ms: number;
  /** Share of all sampled time except (idle), %. */
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time except (idle), ms. */
  busyMs: number;
  idleMs: number;
  functions: HotSpot[];
  files: HotSpot[];
}

function shortUrl(url: string, root: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? url.slice(7) : url;
  return path.startsWith(root) ? relative(root, path) : path.replace(/^.*node_modules\//, 'node_modules/');
}

function top(map: Map<string, number>, busyMs: number, count: number): HotSpot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, pct: busyMs > 0 ? (ms * 100) / busyMs : 0 }));
}

/** The ids of the nodes at or below a frame named `name` (the frames called, however deeply, from it). */
function nodesUnder(profile: CpuProfile, byId: ReadonlyMap<number, ProfileNode>, name: string): Set<number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inside = new Set<number>();
  for (const node of profile.nodes) {
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      if (byId.get(id)?.callFrame.functionName === name) {
        inside.add(node.id);
        break;
      }
    }
  }
  return inside;
}

/**
 * Self time per function (`name file:line`) and per file; `root` is cut from file paths. With `under`, only
 * samples inside a function of that name count as busy (idle is still idle).
 */
export function summarizeProfile(profile: CpuProfile, root = '', count = 15, under?: string): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const inside = under === undefined ? undefined : nodesUnder(profile, byId, under);
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let idleMs = 0;
  let busyMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (inside !== undefined && !inside.has(node.id)) continue;
    busyMs += ms;
    const where = shortUrl(url, root);
    const key = url === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + ms);
    file.set(where, (file.get(where) ?? 0) + ms);
  }
  return { busyMs, idleMs, functions: top(fn, busyMs, count), files: top(file, busyMs, count) };
}

function main(): void {
  const args = process.argv.slice(2);
  const underAt = args.indexOf('--under');
  const under = underAt >= 0 ? args[underAt + 1] : undefined;
  if (underAt >= 0) args.splice(underAt, 2);
  const [path, count] = args;
  if (!path || (underAt >= 0 && !under)) {
    process.stderr.write('usage: node dist/tools/bench/profile-top.js FILE.cpuprofile [TOP] [--under FUNCTION]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const root = process.cwd();
  const s = summarizeProfile(profile, root, Number(count ?? 15), under);
  const line = (h: HotSpot): string => `${h.pct.toFixed(1).padStart(5)} %  ${h.ms.toFixed(0).padStart(6)} ms  ${h.name}`;
  const busy = under === undefined ? 'busy' : `inside ${under}`;
  process.stdout.write(`${busy} ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms\n\nself time by function:\n`);
  process.stdout.write(s.functions.map(line).join('\n') + '\n\nself time by file:\n' + s.files.map(line).join('\n') + '\n');
}

if (require.main === module) main();

/**
 * CPU lists as `taskset -c` takes them and `/proc/<pid>/status` (`Cpus_allowed_list`) writes them: numbers and
 * upward ranges separated by commas (`0`, `1-3`, `0,2-3`). Pure.
 */

/** Most CPUs one range may name (a typo such as `0-99999` is refused, not expanded). */
const MAX_RANGE = 4096;

/** The CPUs of a list, sorted and without repeats; undefined if the list is malformed. */
export function cpuListSet(list: string): number[] | undefined {
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    if (!m) return undefined;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (high < low || high - low > MAX_RANGE) return undefined;
    for (let cpu = low; cpu <= high; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/**
 * The Node flags `bin/thumbtack.js` starts with: its first line is `#!/usr/bin/env -S node FLAGS`, so the
 * `thumbtack` command (and `./bin/thumbtack.js`) runs with them; `node bin/thumbtack.js` does not (V8 sizes
 * its heap before any script runs, so the script cannot set them itself).
 *
 * A larger young generation: V8 lets each semi-space grow to 16 MB by default, and at that size, under
 * a steady stream of requests, ~2 MB of each scavenge's survivors were promoted and died in the old
 * generation, which then needed a mark-compact every few hundred ms. With 64 MB what survives a scavenge
 * is the requests in flight, and mark-compacts are rare (docs/PERFORMANCE.md, ninth pass). Worker
 * processes inherit the flags. The price is memory, once grown: up to ~96 MB more than V8's default in
 * each process that serves clients. So each of them lets it grow only while it has few client
 * connections open (a process holding connections gains nothing from it), and a supervisor of worker
 * processes stops it at V8's default (core/young-generation.ts).
 */

/** The launcher's semi-space size, in MB. */
export const LAUNCHER_SEMI_SPACE_MB = 64;

/**
 * Scavenges on the main thread only. V8 wakes helper threads for each scavenge by default; a process
 * accepting thousands of held connections a second scavenges every few tens of ms, and on a small machine
 * whose cores the process shares, waking and joining the helpers cost more than they save: 12–60 µs less
 * CPU per new held connection without them, in 4 of 4 alternating pairs, with the fan-out and proxying
 * unchanged (docs/PERFORMANCE.md, fifteenth pass). Marking and sweeping stay concurrent.
 */
export const LAUNCHER_GC_FLAG = '--no-parallel-scavenge';

/** The flags on `bin/thumbtack.js`'s first line, in order. */
export const LAUNCHER_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${LAUNCHER_SEMI_SPACE_MB}`, LAUNCHER_GC_FLAG];

/** `bin/thumbtack.js`'s first line. */
export const LAUNCHER_SHEBANG = `#!/usr/bin/env -S node ${LAUNCHER_NODE_FLAGS.join(' ')}`;

const SEMI_SPACE_FLAG = /--max[-_]semi[-_]space[-_]size/;

/** Whether these flags, or NODE_OPTIONS, choose the semi-space size (in either spelling). */
export function setsSemiSpace(flags: readonly string[], nodeOptions: string | undefined): boolean {
  return flags.some((a) => SEMI_SPACE_FLAG.test(a)) || SEMI_SPACE_FLAG.test(nodeOptions ?? '');
}

/**
 * The Node flags a launcher's first line passes: `#!/usr/bin/env -S node A B` gives `[A, B]`, and
 * `#!/usr/bin/env node`, `#!/usr/bin/node` or a line that is no shebang give `[]`.
 */
export function shebangNodeFlags(firstLine: string): string[] {
  if (!firstLine.startsWith('#!')) return [];
  const words = firstLine.slice(2).trim().split(/\s+/);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return node < 0 ? [] : words.slice(node + 1);
}

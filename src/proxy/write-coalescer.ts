/**
 * Write coalescing for held sockets: after a socket's first write in a turn of the event loop, what else is
 * written to it in that turn goes to the kernel together, in one system call, at the end of the turn
 * (`core/end-of-turn.ts`). A channel published to k times in one turn then costs each subscriber two
 * writes instead of k; on loopback a small write is the most expensive step of a delivery. The first write
 * is not delayed, and a turn with one item per socket costs no extra write.
 */

let lastParts: Buffer[] | undefined;
let lastJoined: Buffer | undefined;

/**
 * The parts as one buffer. Subscribers of the same channels wait on the same frames in the same order, so
 * the last result is reused when the parts are the same buffers.
 */
export function joinParts(parts: Buffer[]): Buffer {
  const last = lastParts;
  if (last !== undefined && lastJoined !== undefined && last.length === parts.length && last.every((b, i) => b === parts[i])) return lastJoined;
  const joined = Buffer.concat(parts);
  lastParts = parts;
  lastJoined = joined;
  return joined;
}

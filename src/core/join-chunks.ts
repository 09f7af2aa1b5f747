/**
 * Body chunks as one buffer. A body that arrived in one chunk (most small ones) is returned as it is:
 * `Buffer.concat` would allocate and copy even then.
 */
export function joinChunks(chunks: readonly Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

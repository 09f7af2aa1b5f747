/** Close codes and reasons as they may be put on the wire towards a client (RFC 6455 §7.4). */

/** Longest close reason in bytes: a close frame payload is at most 125 bytes, 2 of them the code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Whether `code` may be sent in a close frame (1000-1014 except 1004-1006, or 3000-4999). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/**
 * The code to close a client with when the backend or a publish gave `code`: none (a bare `CLOSE`) means
 * 1000, as with Pushpin. A code that cannot be sent (0, 1005, 1006, out of range) also becomes 1000, where
 * Pushpin sends it as it is and the client fails the connection.
 */
export function closeCodeForClient(code: number | undefined): number {
  return code !== undefined && isSendableCloseCode(code) ? code : 1000;
}

/** Cuts a close reason to 123 UTF-8 bytes without splitting a character. */
export function truncateCloseReason(reason: string): string {
  if (Buffer.byteLength(reason, 'utf8') <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let size = 0;
  for (const ch of reason) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > MAX_CLOSE_REASON_BYTES) break;
    out += ch;
    size += n;
  }
  return out;
}

/**
 * A server's WebSocket data frame (RFC 6455 §5.2): FIN set, opcode 1 (text) or 2 (binary), no mask (a
 * server never masks), the payload length in 7, 7+16 or 7+64 bits. One buffer, so a message is one write.
 *
 * A publish goes to every subscriber with the same payload buffer; the last frame is kept for it, so an
 * item fanned out to many WebSocket clients is framed once and the same bytes go to every socket (as
 * `chunkFrame` does for HTTP streams).
 */

const OPCODE = { text: 0x1, binary: 0x2 } as const;
const FIN = 0x80;

export type DataFrameKind = keyof typeof OPCODE;

let lastPayload: Buffer | undefined;
let lastKind: DataFrameKind | undefined;
let lastFrame: Buffer | undefined;

/** Header length for a payload of `length` bytes. */
function headerLength(length: number): number {
  if (length < 126) return 2;
  return length < 0x10000 ? 4 : 10;
}

/** `payload` as one unmasked, final data frame; the last result is reused for the same buffer and kind. */
export function serverDataFrame(kind: DataFrameKind, payload: Buffer): Buffer {
  if (payload === lastPayload && kind === lastKind && lastFrame !== undefined) return lastFrame;
  const length = payload.length;
  const head = headerLength(length);
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = FIN | OPCODE[kind];
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  payload.copy(frame, head);
  lastPayload = payload;
  lastKind = kind;
  lastFrame = frame;
  return frame;
}

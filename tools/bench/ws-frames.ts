/**
 * The client side of RFC 6455 as the load generator needs it, on raw bytes: the upgrade request, the
 * expected `Sec-WebSocket-Accept`, masked client frames, and a decoder for the server's (unmasked) frames
 * that reassembles fragmented messages. Pure: no I/O, no clock (the caller supplies masks and keys).
 * Independent of Thumbtack's own WebSocket code, so that a shared bug cannot hide in the measurement.
 */
import { createHash } from 'node:crypto';

/** The opcodes of RFC 6455 §5.2. */
export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** The GUID of RFC 6455 §1.3 that the server appends to the key before hashing. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Largest message the decoder accepts (bytes); bench messages are a few dozen bytes. */
export const MAX_MESSAGE_BYTES = 1 << 20;

/** A GET request that asks for a WebSocket upgrade, as bytes. `key` is 16 random bytes in base64. */
export function upgradeRequest(path: string, host: string, key: string): Buffer {
  return Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    'latin1',
  );
}

/** The `Sec-WebSocket-Accept` value a server must answer for `key` (base64 SHA-1 of key + GUID). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + HANDSHAKE_GUID).digest('base64');
}

/**
 * Checks a complete response head (without the blank line) of an upgrade: status 101 and the accept value
 * for `key`. Returns undefined when it is a valid switch, otherwise why not.
 */
export function checkUpgradeHead(head: string, key: string): string | undefined {
  const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
  if (!status) return `not an HTTP/1.1 response: ${JSON.stringify(head.slice(0, 20))}`;
  if (status[1] !== '101') return `status ${status[1]}`;
  const accept = /\r\nsec-websocket-accept:[ \t]*([^\r]*?)[ \t]*(?:\r|$)/i.exec(head);
  if (!accept) return 'no Sec-WebSocket-Accept';
  if (accept[1] !== acceptFor(key)) return `wrong Sec-WebSocket-Accept ${JSON.stringify(accept[1])}`;
  return undefined;
}

/**
 * One client frame (FIN set, masked with the 4-byte `mask` as RFC 6455 §5.3 requires of clients).
 * Throws a RangeError for a mask that is not 4 bytes or a control frame over 125 bytes.
 */
export function encodeClientFrame(opcode: number, payload: Buffer, mask: Buffer): Buffer {
  if (mask.length !== 4) throw new RangeError(`mask must be 4 bytes, got ${mask.length}`);
  if (opcode >= 0x8 && payload.length > 125) throw new RangeError(`control frame payload over 125 bytes (${payload.length})`);
  const len = payload.length;
  const headLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headLen + 4 + len);
  out[0] = 0x80 | (opcode & 0x0f);
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  mask.copy(out, headLen);
  for (let i = 0; i < len; i++) out[headLen + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/** A complete message (text or binary, fragments joined) or a control frame (close, ping, pong). */
export interface WsMessage {
  opcode: number;
  payload: Buffer;
}

/**
 * Splits the bytes a server sends into messages. `feed` returns the messages and control frames completed
 * by this chunk, in order; data frames split over many chunks or fragmented over many frames are joined.
 * Throws on a protocol error (a masked server frame, reserved bits, a stray continuation, a fragmented or
 * oversized control frame, a message over `MAX_MESSAGE_BYTES`): the connection cannot go on after one.
 */
export class WsFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  /** Opcode and parts of a fragmented data message in progress (opcode -1: none). */
  private fragOpcode = -1;
  private fragParts: Buffer[] = [];
  private fragBytes = 0;

  feed(chunk: Buffer): WsMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: WsMessage[] = [];
    for (;;) {
      const p = this.pending;
      if (p.length < 2) break;
      const b0 = p[0] as number;
      const b1 = p[1] as number;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) throw new Error('reserved bits set (no extension was negotiated)');
      if ((b1 & 0x80) !== 0) throw new Error('masked frame from the server');
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (p.length < 4) break;
        len = p.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (p.length < 10) break;
        const high = p.readUInt32BE(2);
        if (high !== 0) throw new Error('frame larger than 4 GiB');
        len = p.readUInt32BE(6);
        at = 10;
      }
      if (opcode >= 0x8) {
        if (!fin) throw new Error('fragmented control frame');
        if (len > 125) throw new Error(`control frame payload over 125 bytes (${len})`);
      }
      if (len > MAX_MESSAGE_BYTES || this.fragBytes + len > MAX_MESSAGE_BYTES) throw new Error(`message larger than ${MAX_MESSAGE_BYTES} bytes`);
      if (p.length < at + len) break;
      const payload = p.subarray(at, at + len);
      this.pending = p.subarray(at + len);
      this.take(fin, opcode, payload, out);
    }
    return out;
  }

  private take(fin: boolean, opcode: number, payload: Buffer, out: WsMessage[]): void {
    if (opcode >= 0x8) {
      if (opcode !== OPCODE.close && opcode !== OPCODE.ping && opcode !== OPCODE.pong) throw new Error(`unknown control opcode ${opcode}`);
      out.push({ opcode, payload });
      return;
    }
    if (opcode === OPCODE.continuation) {
      if (this.fragOpcode < 0) throw new Error('continuation frame without a message to continue');
      this.fragParts.push(payload);
      this.fragBytes += payload.length;
      if (fin) {
        out.push({ opcode: this.fragOpcode, payload: Buffer.concat(this.fragParts) });
        this.fragOpcode = -1;
        this.fragParts = [];
        this.fragBytes = 0;
      }
      return;
    }
    if (opcode !== OPCODE.text && opcode !== OPCODE.binary) throw new Error(`unknown data opcode ${opcode}`);
    if (this.fragOpcode >= 0) throw new Error('new data frame inside a fragmented message');
    if (fin) {
      out.push({ opcode, payload });
      return;
    }
    this.fragOpcode = opcode;
    this.fragParts = [payload];
    this.fragBytes = payload.length;
  }
}

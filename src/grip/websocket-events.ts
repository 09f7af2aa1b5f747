/**
 * The `application/websocket-events` body format of WebSocket-over-HTTP (spec websocket.md §4.2): a
 * concatenation of `<TYPE>\r\n` or `<TYPE> <hex length>\r\n<content>\r\n` events. Pure: no I/O.
 *
 * Decoding is stricter than Pushpin 1.36, which does not check the CRLF after an event's content and takes
 * a short last content as it is: here both are errors, so a truncated body never passes as a valid one.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';

/** The media type of WebSocket-over-HTTP request and response bodies. */
export const WS_EVENTS_CONTENT_TYPE = 'application/websocket-events';

/** Error code of every malformed events body. */
export const WS_EVENTS_MALFORMED = 'WS_EVENTS_MALFORMED';

/** The event types of the protocol. Decoding keeps other type names as they are (receivers ignore them). */
export type WsEventType = 'OPEN' | 'TEXT' | 'BINARY' | 'PING' | 'PONG' | 'CLOSE' | 'DISCONNECT';

/** One event: `content` is absent for an event written without a length. */
export interface WsEvent {
  type: string;
  content?: Buffer;
}

/** Longest accepted event line (type, space and hex length), CRLF excluded. */
export const MAX_EVENT_LINE = 64;
/** At most this many hex digits in a length (8 digits: up to 4 GiB, far above any body limit). */
const MAX_HEX_DIGITS = 8;

const CRLF = Buffer.from('\r\n');
const TYPE_CHARS = /^[A-Za-z0-9_-]+$/;
const HEX = /^[0-9A-Fa-f]+$/;

/**
 * Encodes events; lengths are written in lowercase hex as Pushpin does. An event with `content` (even
 * empty) gets a length; one without is written as a bare type line.
 */
export function encodeWsEvents(events: ReadonlyArray<{ type: WsEventType; content?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of events) {
    if (e.content === undefined) {
      parts.push(Buffer.from(`${e.type}\r\n`, 'latin1'));
    } else {
      parts.push(Buffer.from(`${e.type} ${e.content.length.toString(16)}\r\n`, 'latin1'), e.content, CRLF);
    }
  }
  return Buffer.concat(parts);
}

function malformed(index: number, message: string): Result<WsEvent[]> {
  return fail(WS_EVENTS_MALFORMED, `websocket-events body, event ${index + 1}: ${message}`);
}

/**
 * Decodes a body into its events. An empty body is a valid empty list. Never throws; a malformed body
 * gives `WS_EVENTS_MALFORMED` naming the 1-based event and the problem. Contents are views into `body`.
 */
export function decodeWsEvents(body: Buffer): Result<WsEvent[]> {
  const out: WsEvent[] = [];
  let pos = 0;
  while (pos < body.length) {
    const index = out.length;
    const lineEnd = body.indexOf(CRLF, pos);
    if (lineEnd === -1 || lineEnd - pos > MAX_EVENT_LINE) {
      if (lineEnd === -1 && body.length - pos <= MAX_EVENT_LINE) return malformed(index, 'missing CRLF after the event line');
      return malformed(index, `event line longer than ${MAX_EVENT_LINE} bytes`);
    }
    const line = body.toString('latin1', pos, lineEnd);
    pos = lineEnd + 2;
    const space = line.indexOf(' ');
    const type = space === -1 ? line : line.slice(0, space);
    if (!TYPE_CHARS.test(type)) return malformed(index, `invalid event type ${JSON.stringify(type)}`);
    if (space === -1) {
      out.push({ type });
      continue;
    }
    const hex = line.slice(space + 1);
    if (!HEX.test(hex) || hex.length > MAX_HEX_DIGITS) return malformed(index, `invalid hex length ${JSON.stringify(hex)}`);
    const length = parseInt(hex, 16);
    if (length > body.length - pos) {
      return malformed(index, `content of ${length} bytes runs past the end of the body (${body.length - pos} left)`);
    }
    const content = body.subarray(pos, pos + length);
    pos += length;
    if (body.length - pos < 2 || body[pos] !== 0x0d || body[pos + 1] !== 0x0a) {
      return malformed(index, 'missing CRLF after the content');
    }
    pos += 2;
    out.push({ type, content });
  }
  return ok(out);
}

/** The content of a `CLOSE` event: 2-byte big-endian code, then the UTF-8 reason. */
export function encodeClosePayload(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  const out = Buffer.allocUnsafe(2 + text.length);
  out.writeUInt16BE(code & 0xffff, 0);
  text.copy(out, 2);
  return out;
}

/** Reads a `CLOSE` event's content: no code when it has fewer than 2 bytes (as Pushpin). */
export function decodeClosePayload(content: Buffer | undefined): { code?: number; reason: string } {
  if (content === undefined || content.length < 2) return { reason: '' };
  return { code: content.readUInt16BE(0), reason: content.toString('utf8', 2) };
}

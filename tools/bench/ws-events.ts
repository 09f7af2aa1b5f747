/**
 * The bench backend's side of WebSocket-over-HTTP (spec websocket.md §4): the `application/websocket-events`
 * body format and what the backend answers. Pure: bytes in, bytes out. Written apart from Thumbtack's own
 * codec on purpose, so that the bench checks the proxy instead of sharing its bugs.
 */
import { fail, ok, type Result } from '../../src/core/errors';

/** The one media type of WebSocket-over-HTTP bodies (Pushpin rejects any parameter after it). */
export const WS_EVENTS_TYPE = 'application/websocket-events';

/** The path prefix of WebSocket clients: `/ws/<channel>` subscribes the connection to `<channel>`. */
export const WS_PATH_PREFIX = '/ws/';

/** One event: `content` is absent for an event written as a bare type line. */
export interface BenchWsEvent {
  type: string;
  content?: Buffer;
}

/** Events as a body: `TYPE\r\n`, or `TYPE <hex length>\r\n<content>\r\n` when there is content. */
export function encodeEvents(events: readonly BenchWsEvent[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of events) {
    if (e.content === undefined) parts.push(Buffer.from(`${e.type}\r\n`, 'latin1'));
    else parts.push(Buffer.from(`${e.type} ${e.content.length.toString(16)}\r\n`, 'latin1'), e.content, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Decodes a body into events (an empty body has none); `BENCH_WS_EVENTS` with the reason when malformed. */
export function decodeEvents(body: Buffer): Result<BenchWsEvent[]> {
  const out: BenchWsEvent[] = [];
  let pos = 0;
  while (pos < body.length) {
    const eol = body.indexOf('\r\n', pos, 'latin1');
    if (eol < 0 || eol - pos > 64) return fail('BENCH_WS_EVENTS', `event ${out.length + 1}: no CRLF after the event line`);
    const line = body.toString('latin1', pos, eol);
    pos = eol + 2;
    const m = /^([A-Z]+)(?: ([0-9a-fA-F]{1,8}))?$/.exec(line);
    if (!m) return fail('BENCH_WS_EVENTS', `event ${out.length + 1}: bad event line ${JSON.stringify(line)}`);
    const type = m[1] as string;
    if (m[2] === undefined) {
      out.push({ type });
      continue;
    }
    const length = parseInt(m[2], 16);
    if (pos + length + 2 > body.length || body[pos + length] !== 0x0d || body[pos + length + 1] !== 0x0a) {
      return fail('BENCH_WS_EVENTS', `event ${out.length + 1}: content of ${length} bytes not followed by CRLF`);
    }
    out.push({ type, content: body.subarray(pos, pos + length) });
    pos += length + 2;
  }
  return ok(out);
}

/** The channel of a client path `/ws/<channel>[?query]`, or undefined when the path is not one. */
export function channelOfPath(path: string): string | undefined {
  if (!path.startsWith(WS_PATH_PREFIX)) return undefined;
  const raw = path.slice(WS_PATH_PREFIX.length).split('?')[0] as string;
  let channel: string;
  try {
    channel = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return channel.length > 0 && !channel.includes('/') ? channel : undefined;
}

/** What the backend answers one WebSocket-over-HTTP request with. */
export interface WsReply {
  /** Whether to send `Sec-WebSocket-Extensions: grip` (on the reply to OPEN, so that `c:` messages count). */
  grip: boolean;
  body: Buffer;
}

/**
 * The backend's answer to a request with `path` and events `body`: to `OPEN`, `OPEN` plus a `TEXT` event
 * `c:{"type":"subscribe","channel":"<channel of the path>"}` in GRIP mode; to `CLOSE`, the same `CLOSE`
 * (the close handshake); to anything else (client messages, `DISCONNECT`, an empty keep-alive body), no
 * events. Fails with `BENCH_WS_EVENTS` on a malformed body and `BENCH_WS_PATH` on an `OPEN` to a path
 * without a channel (the backend then answers 400, which the proxy relays to the client as a refusal).
 */
export function backendReply(path: string, body: Buffer): Result<WsReply> {
  const events = decodeEvents(body);
  if (!events.ok) return events;
  const first = events.value[0];
  if (first?.type === 'OPEN') {
    const channel = channelOfPath(path);
    if (channel === undefined) return fail('BENCH_WS_PATH', `no channel in ${JSON.stringify(path)} (expected ${WS_PATH_PREFIX}<channel>)`);
    const subscribe = Buffer.from(`c:${JSON.stringify({ type: 'subscribe', channel })}`, 'utf8');
    return ok({ grip: true, body: encodeEvents([{ type: 'OPEN' }, { type: 'TEXT', content: subscribe }]) });
  }
  const close = events.value.find((e) => e.type === 'CLOSE');
  return ok({ grip: false, body: close ? encodeEvents([close]) : Buffer.alloc(0) });
}

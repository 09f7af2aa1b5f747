/**
 * WebSocket control messages: the JSON after `c:` in a text message from a GRIP-mode backend (spec
 * websocket.md §3), decoded as Pushpin 1.36's `WsControlMessage::fromVariant` does, with its error texts.
 * Pure: no I/O. Defaults (keep-alive 55 s, send-delayed 1 s) are applied here.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';

/** Error code of every invalid control message (the connection is kept; the message is ignored). */
export const WS_CONTROL_INVALID = 'WS_CONTROL_INVALID';

/** The text prefix that marks a control message. */
export const CONTROL_PREFIX = 'c:';

/** Message types a control message can ask the proxy to send. */
export type WsSendType = 'text' | 'binary' | 'ping' | 'pong';

/** Default `keep-alive` timeout in seconds (also used for `timeout: 0`). */
export const WS_KEEP_ALIVE_DEFAULT_SEC = 55;
/** Default `send-delayed` timeout in seconds (also used for `timeout: 0`). */
export const WS_SEND_DELAYED_DEFAULT_SEC = 1;

export type WsControlMessage =
  | { type: 'subscribe'; channel: string; filters: string[] }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'detach' }
  | { type: 'session'; id?: string }
  /** `value` absent: remove the meta entry. */
  | { type: 'set-meta'; name: string; value?: string }
  /** Without `content`, keep-alives are turned off. */
  | { type: 'keep-alive'; messageType: WsSendType; content?: Buffer; timeoutSec: number; mode: 'idle' | 'interval' }
  /** Without `content` nothing is scheduled (a pending delayed message is still flushed first). */
  | { type: 'send-delayed'; messageType: WsSendType; content?: Buffer; timeoutSec: number }
  | { type: 'flush-delayed' };

type Obj = Record<string, unknown>;

const PN = 'grip control object';

function bad<T>(message: string): Result<T> {
  return fail(WS_CONTROL_INVALID, message);
}

/** An optional string field: ok(undefined) when absent or null. */
function optString(o: Obj, key: string): Result<string | undefined> {
  const v = o[key];
  if (v === undefined || v === null) return ok(undefined);
  return typeof v === 'string' ? ok(v) : bad(`${PN} contains '${key}' with wrong type`);
}

function reqString(o: Obj, key: string): Result<string> {
  if (!Object.prototype.hasOwnProperty.call(o, key)) return bad(`${PN} does not contain '${key}'`);
  const v = o[key];
  return typeof v === 'string' ? ok(v) : bad(`${PN} contains '${key}' with wrong type`);
}

interface Payload {
  messageType: WsSendType;
  content?: Buffer;
  /** Seconds as given; undefined when absent (or when there is no content, as Pushpin ignores it then). */
  timeout?: number;
}

function readPayload(o: Obj): Result<Payload> {
  const typeStr = optString(o, 'message-type');
  if (!typeStr.ok) return typeStr;
  let messageType: WsSendType = 'text';
  if (typeStr.value !== undefined) {
    const t = typeStr.value;
    if (t !== 'text' && t !== 'binary' && t !== 'ping' && t !== 'pong') return bad(`${PN} contains 'message-type' with unknown value`);
    messageType = t;
  }
  let content: Buffer | undefined;
  if (Object.prototype.hasOwnProperty.call(o, 'content-bin')) {
    const v = o['content-bin'];
    if (typeof v !== 'string') return bad(`${PN} contains 'content-bin' with wrong type`);
    content = Buffer.from(v, 'base64');
  } else if (Object.prototype.hasOwnProperty.call(o, 'content')) {
    const v = o['content'];
    if (typeof v !== 'string') return bad(`${PN} contains 'content' with wrong type`);
    content = Buffer.from(v, 'utf8');
  }
  if (content === undefined || !Object.prototype.hasOwnProperty.call(o, 'timeout')) return ok({ messageType, content });
  const t = o['timeout'];
  if (typeof t !== 'number' || !Number.isFinite(t)) return bad(`${PN} contains 'timeout' with wrong type`);
  const timeout = Math.trunc(t);
  // Pushpin reads it into a 32-bit int: beyond that it is a type error, as for the other GRIP timeouts (and
  // a huge one, e.g. 1e300, would be past what the timer wheel can schedule once in milliseconds)
  if (timeout < -2147483648 || timeout > 2147483647) return bad(`${PN} contains 'timeout' with wrong type`);
  if (timeout < 0) return bad(`${PN} contains 'timeout' with invalid value`);
  return ok({ messageType, content, timeout });
}

/** Decodes the JSON text of an object; errors instead of throwing. */
function parseObject(json: string): Result<Obj> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    return bad(`grip control packet is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('grip control packet is not an object');
  return ok(v as Obj);
}

/**
 * Decodes a control message: the text after `c:` (a Buffer is read as UTF-8). Field rules and messages
 * follow Pushpin 1.36; `content-bin` does not change the default `message-type` (`text`), as in Pushpin.
 */
export function decodeControlMessage(input: Buffer | string): Result<WsControlMessage> {
  const parsed = parseObject(typeof input === 'string' ? input : input.toString('utf8'));
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const type = reqString(o, 'type');
  if (!type.ok) return type;
  switch (type.value) {
    case 'subscribe':
    case 'unsubscribe': {
      const channel = reqString(o, 'channel');
      if (!channel.ok) return channel;
      if (channel.value === '') return bad(`${PN} contains 'channel' with invalid value`);
      if (type.value === 'unsubscribe') return ok({ type: 'unsubscribe', channel: channel.value });
      const filters: string[] = [];
      const list = o['filters'];
      if (list !== undefined && list !== null) {
        if (!Array.isArray(list)) return bad(`${PN} contains 'filters' with wrong type`);
        for (const f of list) {
          if (typeof f !== 'string') return bad('filters contains value with wrong type');
          filters.push(f);
        }
      }
      return ok({ type: 'subscribe', channel: channel.value, filters });
    }
    case 'detach':
      return ok({ type: 'detach' });
    case 'flush-delayed':
      return ok({ type: 'flush-delayed' });
    case 'session': {
      const id = optString(o, 'id');
      if (!id.ok) return id;
      return ok(id.value === undefined ? { type: 'session' } : { type: 'session', id: id.value });
    }
    case 'set-meta': {
      const name = reqString(o, 'name');
      if (!name.ok) return name;
      if (name.value === '') return bad(`${PN} contains 'name' with invalid value`);
      const value = optString(o, 'value');
      if (!value.ok) return value;
      return ok(value.value === undefined ? { type: 'set-meta', name: name.value } : { type: 'set-meta', name: name.value, value: value.value });
    }
    case 'keep-alive':
    case 'send-delayed': {
      const p = readPayload(o);
      if (!p.ok) return p;
      const { messageType, content } = p.value;
      if (type.value === 'send-delayed') {
        const timeoutSec = p.value.timeout ? p.value.timeout : WS_SEND_DELAYED_DEFAULT_SEC;
        return ok({ type: 'send-delayed', messageType, content, timeoutSec });
      }
      const mode = optString(o, 'mode');
      if (!mode.ok) return mode;
      const timeoutSec = p.value.timeout ? p.value.timeout : WS_KEEP_ALIVE_DEFAULT_SEC;
      return ok({ type: 'keep-alive', messageType, content, timeoutSec, mode: mode.value === 'interval' ? 'interval' : 'idle' });
    }
    default:
      return bad(`'type' contains unknown value: ${type.value}`);
  }
}

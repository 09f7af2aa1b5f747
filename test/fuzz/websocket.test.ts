/**
 * Properties of the WebSocket decoders (spec websocket.md §3, §4.2): `application/websocket-events` bodies
 * and `c:` control messages. Neither throws on any input; events round-trip through their encoder; control
 * messages decode as the spec's table says.
 */
import * as fc from 'fast-check';
import {
  WS_EVENTS_MALFORMED,
  decodeClosePayload,
  decodeWsEvents,
  encodeClosePayload,
  encodeWsEvents,
  type WsEventType,
} from '../../src/grip/websocket-events';
import { WS_CONTROL_INVALID, decodeControlMessage, type WsControlMessage } from '../../src/grip/ws-control';
import { anyString, check, delimited, noThrow, runs, text } from './fuzz-settings';

const EVENT_TYPES: WsEventType[] = ['OPEN', 'TEXT', 'BINARY', 'PING', 'PONG', 'CLOSE', 'DISCONNECT'];
const event = fc.record(
  { type: fc.constantFrom(...EVENT_TYPES), content: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)) },
  { requiredKeys: ['type'] },
);

describe('application/websocket-events (fuzz)', () => {
  it('never throws on any body; a bad body is WS_EVENTS_MALFORMED', () => {
    const EVENT_CHARS = ['TEXT', 'OPEN', ' ', '\r\n', '\r', '\n', '0', '5', 'a', 'F', 'ffffffff', 'g', 'x', '\0'];
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b)), delimited(EVENT_CHARS, 20).map((s) => Buffer.from(s, 'latin1'))), (body) => {
        const r = noThrow(() => decodeWsEvents(body));
        if (!r.ok) check(r.error.code === WS_EVENTS_MALFORMED && r.error.message !== '', `bad error ${r.error.code}`);
        else for (const e of r.value) check(/^[A-Za-z0-9_-]+$/.test(e.type), `bad type ${e.type}`);
      }),
      runs(600),
    );
  });

  it('gives back the events it encoded, in lower- or upper-case hex', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), fc.boolean(), (events, upper) => {
        // upper-case hex is written by hand: the encoder writes lower case, as Pushpin does
        const upperHex = (e: (typeof events)[number]): Buffer =>
          e.content === undefined
            ? Buffer.from(`${e.type}\r\n`)
            : Buffer.concat([Buffer.from(`${e.type} ${e.content.length.toString(16).toUpperCase()}\r\n`), e.content, Buffer.from('\r\n')]);
        const body = upper ? Buffer.concat(events.map(upperHex)) : encodeWsEvents(events);
        const r = noThrow(() => decodeWsEvents(body));
        expect(r).toEqual({ ok: true, value: events });
      }),
      runs(350),
    );
  });

  it('never passes a cut body off as complete: a prefix decodes only at an event boundary', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), fc.nat(), (events, n) => {
        const body = encodeWsEvents(events);
        const cut = n % (body.length + 1);
        const r = noThrow(() => decodeWsEvents(body.subarray(0, cut)));
        const boundaries = events.map((_e, i) => encodeWsEvents(events.slice(0, i + 1)).length);
        const k = [0, ...boundaries].indexOf(cut);
        if (k === -1) expect(r.ok).toBe(false);
        else expect(r).toEqual({ ok: true, value: events.slice(0, k) });
      }),
      runs(350),
    );
  });

  it('CLOSE payloads: code and reason round-trip, and any content decodes without throwing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), text(20), fc.uint8Array({ maxLength: 10 }), (code, reason, raw) => {
        expect(decodeClosePayload(encodeClosePayload(code, reason))).toEqual({ code, reason });
        const d = noThrow(() => decodeClosePayload(Buffer.from(raw)));
        expect(d.code === undefined ? raw.length < 2 : d.code >= 0 && d.code <= 65535).toBe(true);
      }),
      runs(250),
    );
  });
});

// ---- control messages ----

const junk = fc.oneof(fc.constantFrom(null, true, 0, -1, 1.5, 1e300, '', 'x', [], {}), fc.jsonValue({ maxDepth: 1 }));
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 8, arbitrary: a }, { weight: 1, arbitrary: junk });
const TYPES = ['subscribe', 'unsubscribe', 'detach', 'session', 'set-meta', 'keep-alive', 'send-delayed', 'flush-delayed', 'close', 'Subscribe'];
const timeout = fc.oneof(fc.integer({ min: -3, max: 100 }), fc.double({ min: -2, max: 200, noNaN: true }), fc.constantFrom(1e300, 2 ** 31, 2 ** 53, -0));
const controlJson = fc.record(
  {
    type: maybe(fc.constantFrom(...TYPES)),
    channel: maybe(fc.oneof(text(8), fc.constant(''))),
    filters: maybe(fc.array(maybe(text(6)), { maxLength: 3 })),
    id: maybe(text(6)),
    name: maybe(fc.oneof(text(6), fc.constant(''))),
    value: maybe(text(6)),
    'message-type': maybe(fc.constantFrom('text', 'binary', 'ping', 'pong', 'close')),
    content: maybe(text(8)),
    'content-bin': maybe(fc.oneof(fc.base64String({ maxLength: 12 }), fc.constantFrom('!!', '===', 'a'))),
    timeout: maybe(timeout),
    mode: maybe(fc.constantFrom('idle', 'interval', 'other')),
  },
  { requiredKeys: [] },
);

/** What the spec's table (websocket.md §3) says a well-typed control object decodes to. */
function expected(o: Record<string, unknown>): WsControlMessage | 'invalid' {
  const str = (k: string): string | undefined | 'bad' => (o[k] === undefined || o[k] === null ? undefined : typeof o[k] === 'string' ? (o[k] as string) : 'bad');
  switch (o['type']) {
    case 'subscribe':
    case 'unsubscribe': {
      const channel = o['channel'];
      if (typeof channel !== 'string' || channel === '') return 'invalid';
      if (o['type'] === 'unsubscribe') return { type: 'unsubscribe', channel };
      const f = o['filters'];
      if (f !== undefined && f !== null && (!Array.isArray(f) || f.some((x) => typeof x !== 'string'))) return 'invalid';
      return { type: 'subscribe', channel, filters: (f as string[] | undefined | null) ?? [] };
    }
    case 'detach':
    case 'flush-delayed':
      return { type: o['type'] };
    case 'session': {
      const id = str('id');
      return id === 'bad' ? 'invalid' : id === undefined ? { type: 'session' } : { type: 'session', id };
    }
    case 'set-meta': {
      const name = o['name'];
      const value = str('value');
      if (typeof name !== 'string' || name === '' || value === 'bad') return 'invalid';
      return value === undefined ? { type: 'set-meta', name } : { type: 'set-meta', name, value };
    }
    case 'keep-alive':
    case 'send-delayed': {
      const mt = str('message-type');
      if (mt === 'bad' || (mt !== undefined && !['text', 'binary', 'ping', 'pong'].includes(mt))) return 'invalid';
      let content: Buffer | undefined;
      if ('content-bin' in o) {
        if (typeof o['content-bin'] !== 'string') return 'invalid';
        content = Buffer.from(o['content-bin'], 'base64');
      } else if ('content' in o) {
        if (typeof o['content'] !== 'string') return 'invalid';
        content = Buffer.from(o['content'], 'utf8');
      }
      const def = o['type'] === 'keep-alive' ? 55 : 1;
      let timeoutSec = def;
      if (content !== undefined && 'timeout' in o) {
        const t = o['timeout'];
        // a timeout is a number of seconds that fits 32 bits, like every other GRIP timeout
        if (typeof t !== 'number' || !Number.isFinite(t) || Math.trunc(t) > 2147483647) return 'invalid';
        if (Math.trunc(t) < 0) return 'invalid';
        timeoutSec = Math.trunc(t) || def;
      }
      const messageType = (mt ?? 'text') as 'text';
      if (o['type'] === 'send-delayed') return { type: 'send-delayed', messageType, content, timeoutSec };
      const mode = str('mode');
      if (mode === 'bad') return 'invalid';
      return { type: 'keep-alive', messageType, content, timeoutSec, mode: mode === 'interval' ? 'interval' : 'idle' };
    }
    default:
      return 'invalid';
  }
}

describe('WebSocket control messages (fuzz)', () => {
  it('never throw on any text or bytes', () => {
    const CONTROL_CHARS = ['{', '}', '"type"', ':', '"subscribe"', '"channel"', ',', '"x"', '[', ']', 'null', '1', ' '];
    fc.assert(
      fc.property(fc.oneof(anyString(30), delimited(CONTROL_CHARS, 16), fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b))), (input) => {
        const r = noThrow(() => decodeControlMessage(input));
        if (!r.ok) check(r.error.code === WS_CONTROL_INVALID && r.error.message !== '', `bad error ${r.error.code}`);
      }),
      runs(700),
    );
  });

  it('decode objects with the real field names as the spec table says, and never throw', () => {
    fc.assert(
      fc.property(controlJson, fc.boolean(), (o, asBuffer) => {
        const json = JSON.stringify(o);
        const r = noThrow(() => decodeControlMessage(asBuffer ? Buffer.from(json) : json));
        const want = expected(JSON.parse(json) as Record<string, unknown>);
        if (want === 'invalid') {
          expect(r.ok ? r.value : r.error.code).toBe(WS_CONTROL_INVALID);
        } else {
          expect(r).toEqual({ ok: true, value: want });
        }
        if (r.ok && 'timeoutSec' in r.value) {
          const t = r.value.timeoutSec;
          check(Number.isSafeInteger(t) && t >= 1 && t <= 2147483647, `timeoutSec ${t} cannot be scheduled`);
        }
      }),
      runs(850),
    );
  });
});

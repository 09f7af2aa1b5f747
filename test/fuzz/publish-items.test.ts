/**
 * Properties of the publish decoders (publishing.md §1-6): items, HTTP publish bodies, ZeroMQ frames and
 * the `Accept` negotiation never throw, only return their coded errors, and every item the decoder can
 * produce survives the encoders (JSON and tnetstring) unchanged.
 */
import * as fc from 'fast-check';
import { encodeTnetstring } from '../../src/core/tnetstring';
import type { TnetEncodable } from '../../src/core/tnetstring';
import { decodePublishItem } from '../../src/publish/item-decoder';
import { encodePublishItemJson, encodePublishItemTnet } from '../../src/publish/item-encoder';
import type { HttpResponseFormat, HttpStreamFormat, PublishFormats, PublishItem, WsMessageFormat } from '../../src/publish/item-types';
import type { Result } from '../../src/core/errors';
import { decodePublishBody, negotiateResponseFormat } from '../../src/publish/publish-request';
import { decodePullMessage } from '../../src/publish/zmq-message';
import { anyString, check, delimited, noThrow, runs, text } from './fuzz-settings';

const ITEM_CODES = new Set(['PUBLISH_INVALID_ITEM', 'PUBLISH_BAD_ACTION']);
const BODY_CODES = new Set([...ITEM_CODES, 'PUBLISH_BAD_JSON', 'PUBLISH_BAD_FORMAT']);
const FRAME_CODES = new Set([...ITEM_CODES, 'PUBLISH_BAD_MESSAGE', 'TNET_INVALID', 'TNET_TOO_DEEP']);

function checkError<T>(r: Result<T>, codes: ReadonlySet<string>): void {
  if (r.ok) return;
  check(codes.has(r.error.code), `unexpected error code ${r.error.code}: ${r.error.message}`);
  check(r.error.code === 'PUBLISH_BAD_ACTION' || r.error.message !== '', `empty message for ${r.error.code}`);
}

// ---- items the decoder can produce ----

const noControl = text(12).filter((s) => !/[\x00-\x1f\x7f]/.test(s));
const fieldValue = text(12).filter((s) => !/[\x00-\x08\x0a-\x1f\x7f]/.test(s));
const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/);
const bytes = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
const notSend = fc.constantFrom('hint' as const, 'close' as const, 'refresh' as const);
const filters = fc.option(fc.array(text(8), { maxLength: 3 }), { nil: undefined });
/** JSON values for `body-patch` (-0 has no JSON form: JSON text turns it into 0). */
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

function withOptional<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

const httpResponse: fc.Arbitrary<HttpResponseFormat> = fc.oneof(
  notSend.map((action): HttpResponseFormat => ({ action, code: 200, headers: [] })),
  fc
    .record({
      code: fc.integer({ min: 0, max: 999 }),
      reason: fc.option(fieldValue.filter((s) => s !== ''), { nil: undefined }),
      headers: fc.array(fc.tuple(token, fieldValue), { maxLength: 4 }),
      contentFilters: filters,
      payload: fc.oneof(bytes.map((body) => ({ body })), fc.array(jsonValue, { maxLength: 3 }).map((bodyPatch) => ({ bodyPatch }))),
    })
    .map(({ payload, ...f }): HttpResponseFormat => withOptional({ action: 'send', ...f, ...payload })),
);

const httpStream: fc.Arbitrary<HttpStreamFormat> = fc.oneof(
  notSend.map((action): HttpStreamFormat => ({ action })),
  fc.record({ content: bytes, contentFilters: filters }).map((f): HttpStreamFormat => withOptional({ action: 'send', ...f })),
);

const wsMessage: fc.Arbitrary<WsMessageFormat> = fc.oneof(
  fc.constantFrom('hint' as const, 'refresh' as const).map((action): WsMessageFormat => ({ action, type: 'text' })),
  fc
    .record({
      code: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      reason: fc.option(text(10).filter((s) => s !== ''), { nil: undefined }),
    })
    .map((f): WsMessageFormat => withOptional({ action: 'close', type: 'text', ...f })),
  fc
    .record({ type: fc.constantFrom('text' as const, 'binary' as const), content: bytes, contentFilters: filters })
    .map((f): WsMessageFormat => withOptional({ action: 'send', ...f })),
  fc
    .record({ type: fc.constantFrom('ping' as const, 'pong' as const), content: fc.option(bytes, { nil: undefined }), contentFilters: filters })
    .map((f): WsMessageFormat => withOptional({ action: 'send', ...f })),
);

const formats: fc.Arbitrary<PublishFormats> = fc
  .record({ 'http-response': httpResponse, 'http-stream': httpStream, 'ws-message': wsMessage }, { requiredKeys: [] })
  .filter((f) => Object.keys(f).length > 0);

const item: fc.Arbitrary<PublishItem> = fc
  .record({
    channel: noControl,
    id: fc.option(noControl, { nil: undefined }),
    prevId: fc.option(noControl, { nil: undefined }),
    meta: fc.dictionary(fc.oneof(text(6), fc.constantFrom('__proto__', 'constructor')), text(8), { maxKeys: 3 }),
    size: fc.option(fc.maxSafeNat(), { nil: undefined }),
    noSeq: fc.boolean(),
    formats,
  })
  .map((i) => withOptional(i));

function mustDecode(r: Result<PublishItem>): PublishItem {
  if (!r.ok) throw new Error(`decode failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('publish item encode -> decode (fuzz)', () => {
  it('gives back every item through JSON: an items body, a J frame', () => {
    fc.assert(
      fc.property(item, (i) => {
        const json = JSON.stringify(encodePublishItemJson(i));
        expect(mustDecode(decodePublishItem(JSON.parse(json), 'json'))).toEqual(i);
        const body = noThrow(() => decodePublishBody(Buffer.from(`{"items": [${json}]}`)));
        expect(body).toEqual({ ok: true, value: [i] });
        expect(mustDecode(decodePullMessage(Buffer.from(`J${json}`)))).toEqual(i);
      }),
      runs(350),
    );
  });

  it('gives back every item through tnetstring: a bare frame, a T frame, a SUB frame', () => {
    fc.assert(
      fc.property(item, (i) => {
        const tnet = encodePublishItemTnet(i);
        expect(mustDecode(decodePullMessage(tnet))).toEqual(i);
        expect(mustDecode(decodePullMessage(Buffer.concat([Buffer.from('T'), tnet])))).toEqual(i);
        if (i.channel !== '') expect(mustDecode(decodePullMessage(tnet, i.channel))).toEqual(i);
      }),
      runs(350),
    );
  });
});

// ---- wire values with the real field names and values of random types ----

const junk = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 404.7, 1e300, 2 ** 53, '', '201', ' 7 ', 'x', 'aGk=', 'a=b', '\r\n', [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 12, arbitrary: a }, { weight: 1, arbitrary: junk });
const obj = (model: Record<string, fc.Arbitrary<unknown>>, requiredKeys: string[] = []): fc.Arbitrary<unknown> =>
  maybe(fc.record(model, { requiredKeys }));
const action = maybe(
  fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('send', 'send', 'send', 'hint', 'close', 'refresh') },
    { weight: 1, arbitrary: fc.constant('bogus') },
  ),
);
const str = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(fc.constantFrom('', 'a', 'X-A', 'text', 'binary', 'ping', 'aGVsbG8=', 'a b'), text(8)) },
  { weight: 1, arbitrary: fc.constantFrom('a\r\nb', 'nul\0', '\x7f') },
);
const int = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1, max: 1000 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer({ min: 1000, max: 70000 }), fc.constantFrom('404', ' 7 ', '-1', 'x', 1.5, 404.5, 1e20)) },
);
const filtersWire = maybe(fc.array(maybe(str), { maxLength: 2 }));
const headersWire = maybe(
  fc.oneof(fc.array(maybe(fc.array(maybe(str), { minLength: 1, maxLength: 3 })), { maxLength: 3 }), fc.dictionary(str, maybe(str), { maxKeys: 3 })),
);

const wireFormats = {
  'http-response': obj({
    action, code: maybe(int), reason: maybe(str), headers: headersWire, 'content-filters': filtersWire,
    body: maybe(str), 'body-bin': maybe(str), 'body-patch': maybe(fc.array(jsonValue, { maxLength: 2 })),
  }),
  'http-stream': obj({ action, 'content-filters': filtersWire, content: maybe(str), 'content-bin': maybe(str) }),
  'ws-message': obj({
    action, type: maybe(str), code: maybe(int), reason: maybe(str), content: maybe(str), 'content-bin': maybe(str),
    'content-filters': filtersWire,
  }),
};

const wireItem = fc.oneof(
  {
    weight: 16,
    arbitrary: obj(
      {
        channel: maybe(str), id: maybe(str), 'prev-id': maybe(str), formats: obj(wireFormats),
        meta: maybe(fc.dictionary(str, maybe(str), { maxKeys: 2 })), size: maybe(int), 'no-seq': maybe(fc.boolean()),
      },
      ['channel', 'formats'],
    ),
  },
  // legacy flat form: the formats sit on the item
  { weight: 4, arbitrary: obj({ channel: maybe(str), ...wireFormats }, ['channel']) },
  { weight: 1, arbitrary: junk },
);

/** JSON strings become byte strings for the tnetstring twin of a wire value. */
function toTnetWire(v: unknown): TnetEncodable {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Array.isArray(v)) return v.map(toTnetWire);
  if (typeof v === 'object' && v !== null) {
    const out = new Map<string, TnetEncodable>();
    for (const k of Object.keys(v)) out.set(k, toTnetWire((v as Record<string, unknown>)[k]));
    return out;
  }
  return v as TnetEncodable;
}

describe('publish item decode (fuzz)', () => {
  it('never throws on random wire items, and what it accepts re-encodes to itself', () => {
    fc.assert(
      fc.property(wireItem, (w) => {
        const r = noThrow(() => decodePublishItem(w, 'json'));
        checkError(r, ITEM_CODES);
        if (r.ok) {
          // what the decoder accepts is a valid item: the encoders write it, and it reads back the same
          expect(mustDecode(decodePublishItem(JSON.parse(JSON.stringify(encodePublishItemJson(r.value))), 'json'))).toEqual(r.value);
          expect(mustDecode(decodePullMessage(encodePublishItemTnet(r.value)))).toEqual(r.value);
        }
        const t = noThrow(() => decodePullMessage(encodeTnetstring(toTnetWire(w))));
        checkError(t, FRAME_CODES);
      }),
      runs(600),
    );
  });

  it('refuses a SUB topic with a control character, and never throws on any topic', () => {
    fc.assert(
      fc.property(item, anyString(10), (i, topic) => {
        const r = noThrow(() => decodePullMessage(encodePublishItemTnet(i), topic));
        checkError(r, FRAME_CODES);
        if (/[\x00-\x1f\x7f]/.test(topic)) expect(r.ok).toBe(false);
        else if (topic !== '') expect(r.ok && r.value.channel).toBe(topic);
      }),
      runs(350),
    );
  });
});

describe('publish bodies and frames (fuzz)', () => {
  const JSON_CHARS = ['{', '}', '[', ']', '"', ':', ',', 'items', 'channel', 'formats', 'http-stream', 'content', '1', 'null', ' '];

  it('decodePublishBody never throws on any bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
          delimited(JSON_CHARS, 20).map((s) => Buffer.from(s)),
          fc.array(wireItem, { maxLength: 3 }).map((items) => Buffer.from(JSON.stringify({ items }))),
          maybe(fc.record({ items: maybe(fc.array(junk, { maxLength: 2 })) }, { requiredKeys: [] })).map((d) => Buffer.from(JSON.stringify(d) ?? '')),
        ),
        (body) => {
          const r = noThrow(() => decodePublishBody(body));
          checkError(r, BODY_CODES);
          if (!r.ok && r.error.code !== 'PUBLISH_BAD_JSON') check(r.error.message.startsWith('Invalid format'), r.error.message);
        },
      ),
      runs(500),
    );
  });

  it('decodePullMessage never throws on any frame', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
          fc.tuple(fc.constantFrom('J', 'T', ''), delimited(JSON_CHARS, 12)).map(([p, s]) => Buffer.from(p + s)),
          fc.tuple(item, fc.nat()).map(([i, n]) => { const b = encodePublishItemTnet(i); return b.subarray(0, n % (b.length + 1)); }),
        ),
        fc.option(anyString(6), { nil: undefined }),
        (frame, topic) => checkError(noThrow(() => decodePullMessage(frame, topic)), FRAME_CODES),
      ),
      runs(500),
    );
  });
});

describe('negotiateResponseFormat (fuzz)', () => {
  const RANGES = ['text/plain', 'text/*', '*/*', '*', 'application/json', 'application/*', 'text/html', 'image/png', 'application/xml', '', ' '];
  const range = fc.tuple(fc.constantFrom(...RANGES), fc.constantFrom('', ';q=0', '; charset=utf-8', ';q=0.5;level=1')).map(([r, p]) => r + p);
  const accept = fc.oneof(fc.array(range, { maxLength: 4 }).map((r) => r.join(', ')), delimited([',', ';', '/', '*', ' ', 'text', 'json', 'application', 'plain'], 10), anyString(12));

  it('never throws, and the last recognised media range decides', () => {
    fc.assert(
      fc.property(accept, (a) => {
        const f = noThrow(() => negotiateResponseFormat(a));
        expect(['text', 'json', 'not-acceptable']).toContain(f);
        expect(negotiateResponseFormat(`${a}, application/json;q=0.1`)).toBe('json');
        expect(negotiateResponseFormat(`${a},TEXT/Plain`)).toBe('text');
        expect(negotiateResponseFormat(`${a}, image/png`)).toBe(f); // an unknown range changes nothing
        if (/^[\x00-\x7f]*$/.test(a)) expect(negotiateResponseFormat(a.toUpperCase())).toBe(f);
      }),
      runs(350),
    );
  });
});

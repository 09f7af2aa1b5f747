/**
 * Properties of `decodeInstruction` (spec grip-headers.md §1-4): random `Grip-*` header sets and random
 * `application/grip-instruct` bodies never make it throw (it returns `GRIP_INVALID` or
 * `GRIP_PREV_ID_NO_LINK`), what it returns is well-formed, and the header form and the JSON form of one
 * instruction decode to the same `Instruction` (as Pushpin's instructtest.cpp checks).
 */
import * as fc from 'fast-check';
import { GRIP_INSTRUCT_TYPE, NOT_RELAYED_HEADERS, PrevIdWithoutLinkError, decodeInstruction } from '../../src/grip/instruction';
import { toHeaderString } from '../../src/grip/header-params';
import type { BackendResponse, Instruction } from '../../src/grip/types';
import type { Result } from '../../src/core/errors';
import { anyString, check, delimited, noThrow, runs, text } from './fuzz-settings';

const URI = 'http://example.com/path/req?x=1';
const CODES = new Set(['GRIP_INVALID', 'GRIP_PREV_ID_NO_LINK']);

/** Checks what every decode must satisfy, whatever the input (cheap checks: this runs hot). */
function checkResult(r: Result<Instruction>, json: boolean): void {
  if (!r.ok) {
    check(CODES.has(r.error.code) && r.error.message !== '', `bad error ${r.error.code}: ${r.error.message}`);
    if (r.error.code === 'GRIP_PREV_ID_NO_LINK') check(r.error instanceof PrevIdWithoutLinkError, 'GRIP_PREV_ID_NO_LINK without its instruction');
    return;
  }
  const i = r.value;
  const isInt = (n: number, min: number, max = Infinity): boolean => Number.isInteger(n) && n >= min && n <= max;
  check(i.hold === undefined || i.hold === 'response' || i.hold === 'stream', `hold ${String(i.hold)}`);
  check(isInt(i.timeoutSec, 5), `timeoutSec ${i.timeoutSec}`);
  if (i.keepAlive) check(isInt(i.keepAlive.timeoutSec, 1) && Buffer.isBuffer(i.keepAlive.data), 'bad keep-alive');
  if (i.nextLink) {
    check(URL.canParse(i.nextLink.uri), `next link ${i.nextLink.uri} is not absolute`);
    check(isInt(i.nextLink.timeoutSec, 0), `next link timeout ${i.nextLink.timeoutSec}`);
  }
  check(isInt(i.response.code, 0, 999) && i.response.reason !== '' && Buffer.isBuffer(i.response.body), 'bad response status or body');
  for (const [name, value] of i.response.headers) {
    check(typeof name === 'string' && typeof value === 'string', 'header not a string pair');
    check(!NOT_RELAYED_HEADERS.has(name.toLowerCase()), `${name} relayed`);
    if (!json) check(!name.toLowerCase().startsWith('grip-'), `${name} relayed`);
  }
  for (const c of i.channels) check(typeof c.name === 'string' && c.filters.every((f) => typeof f === 'string'), 'bad channel');
  for (const k of Object.keys(i.meta)) check(typeof i.meta[k] === 'string', `meta ${k} not a string`);
  check(Object.getPrototypeOf(i.meta) === Object.prototype, 'meta lost its prototype'); // a "__proto__" key stays a key
  // a stream hold never goes out with a prev-id channel and no next link
  if (i.hold === 'stream' && i.nextLink === undefined) check(i.channels.every((c) => c.prevId === undefined), 'prev-id without link');
}

// ---- random header sets ----

const GRIP_CHARS = [',', ';', '=', '"', '\\', ' ', '<', '>', '/', ':', 'a', '1', '0', '-', '\xff'];

/** Random values of any shape, for any header. */
const anyValue = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '2147483648', 'x', '"unterminated', ';', 'a, , b', '__proto__=x', 'constructor'),
  delimited(GRIP_CHARS, 24),
  anyString(20),
);

/** For each header, values that are mostly well-formed for it, so decoding gets past the first check. */
const VALUES: Record<string, fc.Arbitrary<string>> = {
  'Grip-Hold': fc.constantFrom('response', 'stream', 'Stream'),
  'Grip-Channel': fc.constantFrom('c', 'c; prev-id=1', 'c; filter=skip-self; filter="x"', 'a, , b', 'c; prev-id="a\\"b"', '\xc3\xa9'),
  'Grip-Timeout': fc.constantFrom('0', '4', '60', ' 7 ', '-1', '99999999999'),
  'Grip-Keep-Alive': fc.constantFrom('ka; format=cstring; timeout=2', 'a\\x4; format=cstring', 'eA==; format=base64; mode=interval', 'k; mode=x', '; timeout=1'),
  'Grip-Set-Meta': fc.constantFrom('k=v', 'k="v, w", j', '="x"', '__proto__="p"', 'a=1, a=2'),
  'Grip-Status': fc.constantFrom('200', '404 Nope', '1000 x', '-1', '201 '),
  'Grip-Link': fc.constantFrom(
    '</next>; rel=next', '<x>; rel=next; timeout=-1', '<http://[bad>; rel=next', '<>; rel=next', 'nolink; rel=next',
    '</p>; rel=prev', '<//h/x>; rel=next; timeout=3',
  ),
  'Grip-Expose-Headers': fc.constantFrom('X-A', 'x-a, content-type', ''),
  'Content-Type': fc.constantFrom(GRIP_INSTRUCT_TYPE, `${GRIP_INSTRUCT_TYPE}; charset=utf-8`, 'text/plain'),
};

const HEADER_NAMES = [
  'Grip-Hold', 'Grip-Channel', 'Grip-Timeout', 'Grip-Keep-Alive', 'Grip-Set-Meta', 'Grip-Status', 'Grip-Link',
  'Grip-Expose-Headers', 'grip-hold', 'GRIP-CHANNEL', 'Grip-Foo', 'Content-Type', 'Content-Length', 'Connection',
  'Keep-Alive', 'Transfer-Encoding', 'X-A', 'Date',
];

const headerSet = fc.array(
  fc.constantFrom(...HEADER_NAMES).chain((name) => {
    const good = Object.entries(VALUES).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const value = good === undefined ? anyValue : fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: anyValue });
    return value.map((v): [string, string] => [name, v]);
  }),
  { maxLength: 10 },
);

// ---- random grip-instruct bodies: the real field names with values of random types ----

const junk = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2.5, -2.5, 1e300, 2147483648, '', '7', ' 12 ', 'x', [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);
const str = fc.oneof(fc.constantFrom('response', 'stream', 'x', '', 'aGVsbG8=', '!!'), text(8));
const int = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 1200 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom('42', '-3', 'x', true) },
);
/** Mostly `a`, sometimes a value of any type: each field of a document is wrong only now and then. */
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 15, arbitrary: a }, { weight: 1, arbitrary: junk });
const obj = (model: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> => maybe(fc.record(model, { requiredKeys: [] }));

const channelJson = obj({ name: maybe(str), 'prev-id': maybe(str), filters: maybe(fc.array(maybe(str), { maxLength: 3 })) });
const holdJson = obj({
  mode: maybe(fc.oneof({ weight: 5, arbitrary: fc.constantFrom('response', 'stream') }, { weight: 1, arbitrary: str })),
  channels: maybe(fc.array(channelJson, { maxLength: 3 })),
  timeout: maybe(int),
  'keep-alive': obj({ content: maybe(str), 'content-bin': maybe(str), timeout: maybe(int) }),
  meta: maybe(fc.dictionary(fc.oneof(text(6), fc.constantFrom('__proto__', 'constructor')), maybe(str), { maxKeys: 3 })),
});
const responseJson = obj({
  code: maybe(int),
  reason: maybe(str),
  headers: maybe(fc.oneof(fc.array(maybe(fc.tuple(maybe(str), maybe(str))), { maxLength: 3 }), fc.dictionary(text(6), maybe(str), { maxKeys: 3 }))),
  body: maybe(str),
  'body-bin': maybe(str),
});
const instructJson = obj({ hold: holdJson, response: responseJson });

/** The JSON text of a random instruct document, sometimes cut short or with junk bytes. */
const instructBody = fc.oneof(
  { weight: 6, arbitrary: instructJson.map((d) => Buffer.from(JSON.stringify(d) ?? 'null', 'utf8')) },
  { weight: 1, arbitrary: fc.tuple(instructJson, fc.nat()).map(([d, n]) => { const s = JSON.stringify(d) ?? ''; return Buffer.from(s.slice(0, n % (s.length + 1))); }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)) },
);

describe('decodeInstruction (fuzz)', () => {
  it('never throws on random Grip-* header sets', () => {
    fc.assert(
      fc.property(headerSet, fc.uint8Array({ maxLength: 8 }), fc.constantFrom(200, 404, 0), (headers, body, code) => {
        const res: BackendResponse = { code, reason: '', headers, body: Buffer.from(body) };
        const r = noThrow(() => decodeInstruction(res, URI));
        const json = headers.some(([n, v]) => n.toLowerCase() === 'content-type' && v === GRIP_INSTRUCT_TYPE);
        checkResult(r, json);
      }),
      runs(800),
    );
  });

  it('never throws on random grip-instruct JSON bodies, alone or with Grip-* headers', () => {
    fc.assert(
      fc.property(instructBody, fc.oneof(fc.constant([]), headerSet), fc.constantFrom(200, 200, 200, 200, 200, 500), (body, extra, code) => {
        const res: BackendResponse = { code, reason: 'OK', headers: [['Content-Type', GRIP_INSTRUCT_TYPE], ...extra], body };
        const r = noThrow(() => decodeInstruction(res, URI));
        checkResult(r, true);
      }),
      runs(800),
    );
  });
});

// ---- one instruction, two forms ----

/** Text with none of `, ; " =` and no ASCII padding: what a channel name or meta key can be in a header. */
const headerWord = text(8).filter((s) => !/[,;"=]/.test(s) && s === s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''));
const tokenName = fc
  .oneof(fc.constantFrom('Content-Type', 'X-A', 'x-a', 'Cache-Control', 'Date', 'ETag'), fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/))
  .filter((n) => !n.toLowerCase().startsWith('grip-') && !NOT_RELAYED_HEADERS.has(n.toLowerCase()));
const bytes = (min = 0): fc.Arbitrary<Buffer> => fc.uint8Array({ minLength: min, maxLength: 20 }).map((b) => Buffer.from(b));

interface Spec {
  hold?: {
    mode: 'response' | 'stream';
    channels: Array<{ name: string; prevId?: string; filters: string[] }>;
    timeoutSec?: number;
    keepAlive?: { data: Buffer; timeoutSec?: number };
    meta: Record<string, string>;
  };
  link?: { uri: string; timeoutSec?: number };
  status?: { code: number; reason: string };
  headers: Array<[string, string]>;
  body: Buffer;
}

const spec: fc.Arbitrary<Spec> = fc.record(
  {
    hold: fc.record(
      {
        mode: fc.constantFrom('response' as const, 'stream' as const),
        channels: fc.array(
          fc.record(
            { name: headerWord.filter((s) => s !== ''), prevId: text(6), filters: fc.array(text(6), { maxLength: 2 }) },
            { requiredKeys: ['name', 'filters'] },
          ),
          { maxLength: 3 },
        ),
        timeoutSec: fc.integer({ min: 0, max: 100000 }),
        keepAlive: fc.record({ data: bytes(1), timeoutSec: fc.integer({ min: 0, max: 1000 }) }, { requiredKeys: ['data'] }),
        meta: fc.dictionary(headerWord, text(8), { maxKeys: 3 }),
      },
      { requiredKeys: ['mode', 'channels', 'meta'] },
    ),
    link: fc.record(
      { uri: fc.constantFrom('/next', 'next?a=b', 'http://other.example/x', '../up'), timeoutSec: fc.integer({ min: 0, max: 1000 }) },
      { requiredKeys: ['uri'] },
    ),
    status: fc.record({ code: fc.integer({ min: 0, max: 999 }), reason: fc.oneof(fc.constant(''), text(10).filter((s) => s.trim() === s)) }),
    headers: fc.array(
      fc.tuple(tokenName, text(10)).map(([n, v]): [string, string] => [n, n.toLowerCase() === 'content-type' ? 'text/plain' : v]),
      { maxLength: 4 },
    ),
    body: bytes(),
  },
  { requiredKeys: ['headers', 'body'] },
);

function quoted(v: string): string {
  return `"${toHeaderString(v).replace(/[\\"]/g, '\\$&')}"`;
}

function linkHeader(s: Spec): Array<[string, string]> {
  if (!s.link) return [];
  const t = s.link.timeoutSec === undefined ? '' : `; timeout=${s.link.timeoutSec}`;
  return [['Grip-Link', `<${s.link.uri}>; rel=next${t}`]];
}

/** The instruction as `Grip-*` headers on a plain response. */
function headerForm(s: Spec): BackendResponse {
  const h: Array<[string, string]> = s.headers.map(([n, v]) => [n, toHeaderString(v)]);
  if (s.hold) {
    h.push(['Grip-Hold', s.hold.mode]);
    for (const c of s.hold.channels) {
      const params = (c.prevId === undefined ? '' : `; prev-id=${quoted(c.prevId)}`) + c.filters.map((f) => `; filter=${quoted(f)}`).join('');
      h.push(['Grip-Channel', toHeaderString(c.name) + params]);
    }
    if (s.hold.timeoutSec !== undefined) h.push(['Grip-Timeout', String(s.hold.timeoutSec)]);
    const ka = s.hold.keepAlive;
    if (ka) {
      const t = ka.timeoutSec === undefined ? '' : `; timeout=${ka.timeoutSec}`;
      h.push(['Grip-Keep-Alive', `${ka.data.toString('base64')}; format=base64; mode=interval${t}`]);
    }
    const meta = Object.entries(s.hold.meta).map(([k, v]) => `${toHeaderString(k)}=${quoted(v)}`);
    if (meta.length > 0) h.push(['Grip-Set-Meta', meta.join(', ')]);
  }
  if (s.status) h.push(['Grip-Status', s.status.reason === '' ? String(s.status.code) : `${s.status.code} ${toHeaderString(s.status.reason)}`]);
  h.push(...linkHeader(s));
  return { code: 200, reason: 'OK', headers: h, body: s.body };
}

/** The same instruction as an `application/grip-instruct` body (a next link can only be a header). */
function jsonForm(s: Spec): BackendResponse {
  const doc: Record<string, unknown> = {};
  if (s.hold) {
    const hold: Record<string, unknown> = {
      mode: s.hold.mode,
      channels: s.hold.channels.map((c) =>
        c.prevId === undefined ? { name: c.name, filters: c.filters } : { name: c.name, 'prev-id': c.prevId, filters: c.filters },
      ),
      meta: s.hold.meta,
    };
    if (s.hold.timeoutSec !== undefined) hold['timeout'] = s.hold.timeoutSec;
    const ka = s.hold.keepAlive;
    if (ka) {
      const content = { 'content-bin': ka.data.toString('base64') };
      hold['keep-alive'] = ka.timeoutSec === undefined ? content : { ...content, timeout: ka.timeoutSec };
    }
    doc['hold'] = hold;
  }
  const response: Record<string, unknown> = { headers: s.headers, 'body-bin': s.body.toString('base64') };
  if (s.status) {
    response['code'] = s.status.code;
    response['reason'] = s.status.reason;
  }
  doc['response'] = response;
  return { code: 200, reason: 'OK', headers: [['Content-Type', GRIP_INSTRUCT_TYPE], ...linkHeader(s)], body: Buffer.from(JSON.stringify(doc)) };
}

function comparable(r: Result<Instruction>): unknown {
  if (r.ok) return { ok: true, value: r.value };
  const instruction = r.error instanceof PrevIdWithoutLinkError ? r.error.instruction : undefined;
  return { ok: false, code: r.error.code, message: r.error.message, instruction };
}

describe('header GRIP and JSON GRIP (fuzz)', () => {
  it('decode the same generated instruction to the same Instruction', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const fromHeaders = noThrow(() => decodeInstruction(headerForm(s), URI));
        const fromJson = noThrow(() => decodeInstruction(jsonForm(s), URI));
        expect(comparable(fromHeaders)).toEqual(comparable(fromJson));
        // and only a stream hold with a prev-id channel and no next link fails
        const prevIdNoLink = s.hold?.mode === 'stream' && s.link === undefined && s.hold.channels.some((c) => c.prevId !== undefined);
        expect(fromHeaders.ok).toBe(!prevIdNoLink);
      }),
      runs(650),
    );
  });
});

/**
 * Properties of the publish intake's request-head parser: it never throws, only returns its two coded
 * errors; a head it accepts is read the same whatever comes after it; every shorter prefix of a valid head
 * is `incomplete` (so the server waits, whatever the reads' sizes), and the fields it was built from come
 * back unchanged.
 */
import * as fc from 'fast-check';
import { BAD_HEAD, HEAD_TOO_LARGE, parseRequestHead } from '../../src/publish/intake-request-head';
import { check, delimited, noThrow, runs } from './fuzz-settings';

const CODES = new Set([BAD_HEAD, HEAD_TOO_LARGE]);
const HEAD_CHARS = ['\r\n', '\r', '\n', ' ', ':', '\t', 'GET', 'POST', ' / ', 'HTTP/1.1', 'HTTP/1.0', 'Host: x', 'Content-Length: ', '1', '\x00', '\xff'];

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/);
/** A field value with no leading or trailing whitespace and no controls but tab inside. */
const value = fc
  .string({ unit: fc.constantFrom(...'aZ09 \t!"#,;=/:?@[]{}~\xe9\xff'.split('')), minLength: 1, maxLength: 12 })
  .filter((v) => v === v.replace(/^[ \t]+|[ \t]+$/g, ''));
const target = fc.string({ unit: fc.constantFrom(...'/az09?=&%.~-_:@!$'.split('')), maxLength: 12 }).map((t) => `/${t}`);
const RESERVED = new Set(['host', 'content-length', 'connection', 'expect', 'transfer-encoding', 'authorization', 'content-type', 'user-agent']);

/** A valid head: its text, and the fields that built it. */
const validHead = fc
  .record({
    method: token,
    url: target,
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'),
    host: value,
    length: fc.option(fc.nat({ max: 1_000_000 }), { nil: undefined }),
    fields: fc.uniqueArray(fc.tuple(token, value), { maxLength: 5, selector: ([k]) => k.toLowerCase() }),
  })
  .map((h) => ({ ...h, fields: h.fields.filter(([k]) => !RESERVED.has(k.toLowerCase())) }))
  .map((h) => {
    let text = `${h.method} ${h.url} ${h.version}\r\nHost: ${h.host}\r\n`;
    if (h.length !== undefined) text += `Content-Length: ${h.length}\r\n`;
    for (const [k, v] of h.fields) text += `${k}: ${v}\r\n`;
    return { ...h, text: `${text}\r\n` };
  });

describe('parseRequestHead (properties)', () => {
  it('never throws on any bytes, and fails only with its own codes', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(HEAD_CHARS, 40), fc.string({ unit: 'binary', maxLength: 80 })), fc.integer({ min: 1, max: 200 }), (s, max) => {
        const r = noThrow(() => parseRequestHead(Buffer.from(s, 'latin1'), max));
        if (!r.ok) check(CODES.has(r.error.code) && r.error.message !== '', `unexpected error ${r.error.code}: ${r.error.message}`);
      }),
      runs(3000),
    );
  });

  it('reads a valid head back field for field, whatever follows it', () => {
    fc.assert(
      fc.property(validHead, fc.uint8Array({ maxLength: 16 }), (h, after) => {
        const buf = Buffer.concat([Buffer.from(h.text, 'latin1'), after]);
        const r = parseRequestHead(buf, 8192);
        check(r.ok && r.value.kind === 'head', `not read: ${JSON.stringify(h.text)} ${r.ok ? r.value.kind : r.error.message}`);
        if (!r.ok || r.value.kind !== 'head') return;
        const head = r.value.head;
        check(r.value.length === Buffer.byteLength(h.text, 'latin1'), 'wrong head length');
        check(head.method === h.method && head.url === h.url && head.minorVersion === (h.version === 'HTTP/1.1' ? 1 : 0), 'request line changed');
        check(head.headers.get('host') === h.host && head.contentLength === h.length, 'host or length changed');
        for (const [k, v] of h.fields) check(head.headers.get(k.toLowerCase()) === v, `field ${k} changed`);
        check(head.keepAlive === (h.version === 'HTTP/1.1'), 'keep-alive default wrong');
      }),
      runs(1000),
    );
  });

  it('calls every shorter prefix of a valid head incomplete', () => {
    fc.assert(
      fc.property(validHead, fc.nat(), (h, cut) => {
        const buf = Buffer.from(h.text, 'latin1');
        const r = parseRequestHead(buf.subarray(0, cut % buf.length), 8192);
        check(r.ok && r.value.kind === 'incomplete', `prefix ${cut % buf.length} of ${JSON.stringify(h.text)}: ${r.ok ? r.value.kind : r.error.message}`);
      }),
      runs(1000),
    );
  });
});

/**
 * Properties of the backend client's pure parsers: the response-head parser and the chunked decoder never
 * throw and fail only with their own codes; a valid head is read back field for field whatever follows it,
 * and every shorter prefix of it is `incomplete`; a chunked encoding of any body decodes to that body in
 * any split, with what follows it handed back.
 */
import * as fc from 'fast-check';
import { BACKEND_HEAD_TOO_LARGE, BAD_BACKEND_RESPONSE, parseResponseHead } from '../../src/proxy/backend-response-head';
import { BAD_CHUNKED_BODY, ChunkedDecoder } from '../../src/proxy/chunked-decoder';
import { check, delimited, noThrow, runs } from './fuzz-settings';

const HEAD_CODES = new Set([BAD_BACKEND_RESPONSE, BACKEND_HEAD_TOO_LARGE]);
const HEAD_CHARS = ['\r\n', '\n', ' ', ':', '\t', 'HTTP/1.1 ', 'HTTP/1.0 ', '200', '1', ' OK', 'Content-Length: ', 'Transfer-Encoding: chunked', '\x00', '\xff'];
const CHUNK_CHARS = ['\r\n', '\n', '0', '5', 'a', 'F', ';', 'x=y', ' ', 'hello', '\x00'];

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,10}$/);
const value = fc
  .string({ unit: fc.constantFrom(...'aZ09 \t!"#,;=/:?@[]{}~\xe9\xff'.split('')), maxLength: 12 })
  .filter((v) => v === v.replace(/^[ \t]+|[ \t]+$/g, ''));
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

const validHead = fc
  .record({
    version: fc.constantFrom('1.0', '1.1'),
    // 204 and 304 have no body whatever their Content-Length (unit tests cover them).
    status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    reason: fc.constantFrom('', 'OK', 'Not Found', 'Some reason here'),
    length: fc.nat({ max: 1_000_000 }),
    fields: fc.array(fc.tuple(token, value), { maxLength: 6 }),
    lf: fc.boolean(),
  })
  .map((h) => {
    const fields = h.fields.filter(([k]) => !RESERVED.has(k.toLowerCase()));
    const eol = h.lf ? '\n' : '\r\n';
    let text = `HTTP/${h.version} ${h.status}${h.reason ? ` ${h.reason}` : ''}${eol}`;
    for (const [k, v] of fields) text += `${k}: ${v}${eol}`;
    text += `Content-Length: ${h.length}${eol}${eol}`;
    return { ...h, fields, text };
  });

function chunked(body: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + Math.max(1, size));
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    at += piece.length;
  }
  if (at < body.length) parts.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('parseResponseHead (properties)', () => {
  it('never throws on any bytes, and fails only with its own codes', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(HEAD_CHARS, 40), fc.string({ unit: 'binary', maxLength: 80 })), fc.integer({ min: 1, max: 200 }), (s, max) => {
        const r = noThrow(() => parseResponseHead(Buffer.from(s, 'latin1'), max, 'GET'));
        if (!r.ok) check(HEAD_CODES.has(r.error.code) && r.error.message !== '', `unexpected error ${r.error.code}: ${r.error.message}`);
      }),
      runs(3000),
    );
  });

  it('reads a valid head back field for field whatever follows it, and calls its prefixes incomplete', () => {
    fc.assert(
      fc.property(validHead, fc.uint8Array({ maxLength: 16 }), fc.nat(), (h, after, cut) => {
        const text = Buffer.from(h.text, 'latin1');
        const r = parseResponseHead(Buffer.concat([text, after]), 16384, 'GET');
        check(r.ok && r.value.kind === 'head', `not read: ${JSON.stringify(h.text)} ${r.ok ? r.value.kind : r.error.message}`);
        if (!r.ok || r.value.kind !== 'head') return;
        const head = r.value.head;
        check(r.value.length === text.length, 'wrong head length');
        check(head.statusCode === h.status && head.statusMessage === h.reason, 'status line changed');
        const expected = [...h.fields.flat(), 'Content-Length', String(h.length)];
        check(JSON.stringify(head.rawHeaders) === JSON.stringify(expected), `headers changed: ${JSON.stringify(head.rawHeaders)}`);
        check(head.framing.kind === 'length' && head.framing.length === h.length, 'framing wrong');
        check(head.keepAlive === (h.version === '1.1'), 'keep-alive default wrong');
        const prefix = parseResponseHead(text.subarray(0, cut % text.length), 16384, 'GET');
        check(prefix.ok && prefix.value.kind === 'incomplete', `prefix ${cut % text.length}: ${prefix.ok ? prefix.value.kind : prefix.error.message}`);
      }),
      runs(1000),
    );
  });
});

describe('ChunkedDecoder (properties)', () => {
  it('never throws on any bytes, and fails only with its own code', () => {
    fc.assert(
      fc.property(fc.oneof(delimited(CHUNK_CHARS, 40), fc.string({ unit: 'binary', maxLength: 80 })), (s) => {
        const r = noThrow(() => new ChunkedDecoder().push(Buffer.from(s, 'latin1')));
        if (!r.ok) check(r.error.code === BAD_CHUNKED_BODY && r.error.message !== '', `unexpected error ${r.error.code}`);
      }),
      runs(3000),
    );
  });

  it('decodes any chunking of any body, split anywhere, and hands back what follows', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }),
        (bytes, sizes, splits) => {
          const body = Buffer.from(bytes);
          const wire = Buffer.concat([chunked(body, sizes), Buffer.from('NEXT')]);
          const decoder = new ChunkedDecoder();
          const out: Buffer[] = [];
          let rest = Buffer.alloc(0);
          let at = 0;
          for (let i = 0; at < wire.length && !decoder.done; i++) {
            const step = splits[i % splits.length] as number;
            const r = decoder.push(wire.subarray(at, at + step));
            check(r.ok, `refused a valid encoding: ${r.ok ? '' : r.error.message}`);
            if (!r.ok) return;
            out.push(...r.value.data);
            if (r.value.done) rest = Buffer.concat([r.value.rest, wire.subarray(at + step)]);
            at += step;
          }
          check(decoder.done, 'not done at the end');
          check(Buffer.concat(out).equals(body), 'body changed');
          check(rest.toString() === 'NEXT', `rest ${JSON.stringify(rest.toString())}`);
        },
      ),
      runs(1000),
    );
  });
});

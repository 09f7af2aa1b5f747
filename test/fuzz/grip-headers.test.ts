/**
 * Properties of the GRIP header syntax (spec grip-headers.md §2) and of `Grip-Keep-Alive` (§3): no input
 * makes them throw, and what a careful writer produces is read back exactly.
 */
import * as fc from 'fast-check';
import {
  headerBytes,
  headerText,
  parseHeaderElement,
  parseHeaderInt,
  parseHeaderList,
  parseParameterList,
  splitHeaderLine,
  toHeaderString,
  type HeaderElement,
} from '../../src/grip/header-params';
import { decodeCString, parseKeepAliveHeader } from '../../src/grip/keep-alive';
import { anyString, delimited, noThrow, runs, text } from './fuzz-settings';

const HEADER_CHARS = [',', ';', '=', '"', '\\', ' ', '\t', 'a', 'B', '1', '-', '\xe9', '\xc3', '\xa9'];
const headerish = fc.oneof(delimited(HEADER_CHARS, 40), anyString(40));

/** A header value part with none of the characters the element syntax gives meaning to, not padded. */
const bare = text(10).filter((s) => !/[,;"=]/.test(s) && s === s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''));
/** A parameter name: a token, any case. */
const paramName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);

/** A quoted parameter value as the syntax allows: `\` and `"` escaped. */
function quoted(v: string): string {
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

describe('header parameter syntax (fuzz)', () => {
  it('never throws on any header value', () => {
    fc.assert(
      fc.property(headerish, fc.array(headerish, { maxLength: 3 }), (v, lines) => {
        noThrow(() => splitHeaderLine(v));
        noThrow(() => parseParameterList(v));
        const el = noThrow(() => parseHeaderElement(v));
        if (el !== undefined) for (const [name] of el.params) expect(name).toBe(name.toLowerCase());
        noThrow(() => parseHeaderList(lines));
        noThrow(() => headerText(v));
        noThrow(() => headerBytes(v));
      }),
      runs(900),
    );
  });

  it('reads back list elements written with quoted parameter values', () => {
    const element = fc.record({
      value: bare.filter((s) => s !== ''),
      params: fc.array(fc.tuple(paramName, fc.option(text(10), { nil: undefined })), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 4 }), fc.boolean(), (elements, oneLine) => {
        const written = elements.map((e) => {
          const params = e.params.map(([n, v]) => (v === undefined ? `; ${n}` : `; ${n}=${quoted(toHeaderString(v))}`));
          return toHeaderString(e.value) + params.join('');
        });
        const lines = oneLine ? [written.join(', ')] : written;
        const got = noThrow(() => parseHeaderList(lines));
        const want: HeaderElement[] = elements.map((e) => ({
          value: toHeaderString(e.value),
          params: e.params.map(([n, v]): [string, string | undefined] => [n.toLowerCase(), v === undefined ? undefined : toHeaderString(v)]),
        }));
        expect(got).toEqual(want);
        for (let i = 0; i < got.length; i++) expect(headerText((got[i] as HeaderElement).value)).toBe((elements[i] as { value: string }).value);
      }),
      runs(350),
    );
  });

  it('converts text to a header byte string and back', () => {
    fc.assert(
      fc.property(text(30), (s) => {
        const h = toHeaderString(s);
        expect(headerText(h)).toBe(s);
        expect(headerBytes(h)).toEqual(Buffer.from(s, 'utf8'));
      }),
      runs(250),
    );
  });

  it('parseHeaderInt accepts exactly the 32-bit decimal integers, padded with ASCII whitespace', () => {
    const ws = fc.constantFrom('', ' ', '\t', '\r\n', '\v\f');
    const intText = fc.tuple(ws, fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,12}$/), ws);
    fc.assert(
      fc.property(fc.oneof(intText.map((p) => p.join('')), delimited(['1', '0', '-', '+', ' ', 'x', '.', 'e'], 8), anyString(6)), (s) => {
        const n = noThrow(() => parseHeaderInt(s));
        const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)[ \t\n\v\f\r]*$/.exec(s);
        const want = m === null ? undefined : Number(`${m[1]}${m[2]}`);
        if (want === undefined || want < -(2 ** 31) || want > 2 ** 31 - 1) expect(n).toBeUndefined();
        else expect(Object.is(n, want === 0 ? 0 : want)).toBe(true);
      }),
      runs(450),
    );
  });
});

/** Pushpin's cstring writer: `\\`, `\r`, `\n`, and `\xHH` for every other byte outside printable ASCII. */
function encodeCString(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    if (b === 0x5c) out += '\\\\';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x0a) out += '\\n';
    else if (b < 0x21 || b > 0x7e || b === 0x3b || b === 0x2c || b === 0x22) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

describe('Grip-Keep-Alive (fuzz)', () => {
  it('never throws; an error is GRIP_INVALID and a keep-alive is well-formed', () => {
    const params = fc.array(
      fc.oneof(
        fc.constantFrom('; format=raw', '; format=cstring', '; format=base64', '; format=x', '; mode=idle', '; mode=interval', '; mode='),
        fc.constantFrom('; timeout=0', '; timeout=-1', '; timeout=99999999999', '; timeout=x', '; timeout', '; timeout="7"'),
        delimited(HEADER_CHARS, 8).map((s) => `; ${s}`),
      ),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.oneof(headerish, fc.tuple(delimited(['\\', 'x', '4', 'g', 'n', 'r', 'a', '='], 8), params).map(([d, p]) => d + p.join(''))), (v) => {
        const r = noThrow(() => parseKeepAliveHeader(v));
        if (!r.ok) {
          expect(r.error.code).toBe('GRIP_INVALID');
        } else if (r.value !== undefined) {
          expect(Number.isInteger(r.value.timeoutSec) && r.value.timeoutSec >= 1).toBe(true);
          expect(['idle', 'interval']).toContain(r.value.mode);
          expect(Buffer.isBuffer(r.value.data)).toBe(true);
        }
      }),
      runs(650),
    );
  });

  it('decodeCString never throws and inverts the cstring writer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
        noThrow(() => decodeCString(Buffer.from(raw)));
        const bytes = Buffer.from(raw);
        expect(decodeCString(Buffer.from(encodeCString(bytes), 'latin1'))).toEqual(bytes);
      }),
      runs(450),
    );
  });

  it('reads back data, timeout and mode in every format', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 30 }),
        fc.constantFrom('base64', 'cstring', 'raw'),
        fc.option(fc.integer({ min: 0, max: 100000 }), { nil: undefined }),
        fc.option(fc.constantFrom('idle', 'interval'), { nil: undefined }),
        (raw, format, timeout, mode) => {
          let data = Buffer.from(raw);
          let written: string;
          if (format === 'base64') written = data.toString('base64');
          else if (format === 'cstring') written = encodeCString(data);
          else {
            // raw data is the trimmed first part: no ';', no padding, not empty (spec §3)
            data = Buffer.from(data.toString('latin1').replace(/;/g, '').replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, ''), 'latin1');
            if (data.length === 0) return;
            written = data.toString('latin1');
          }
          let header = `${written}; format=${format}`;
          if (timeout !== undefined) header += `; timeout=${timeout}`;
          if (mode !== undefined) header += `; mode=${mode}`;
          const r = noThrow(() => parseKeepAliveHeader(header));
          expect(r).toEqual({ ok: true, value: { data, timeoutSec: Math.max(timeout ?? 55, 1), mode: mode ?? 'idle' } });
        },
      ),
      runs(450),
    );
  });
});

/**
 * Properties of the tnetstring codec (publishing.md §3): decoding never throws, whatever the bytes (lying
 * lengths, bad tags, deep nesting), and every decodable value survives encode -> decode.
 */
import * as fc from 'fast-check';
import {
  MAX_TNET_DEPTH,
  decodeTnetstring,
  decodeTnetstringPrefix,
  encodeTnetstring,
  type TnetValue,
} from '../../src/core/tnetstring';
import { check, noThrow, runs, text } from './fuzz-settings';

const CODES = new Set(['TNET_INVALID', 'TNET_TOO_DEEP']);

/** Values the decoder can produce: Buffers, safe integers, finite floats, booleans, null, lists, dicts. */
const { value: tnetValue } = fc.letrec<{ value: TnetValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
    fc.maxSafeInteger(),
    // -0 has no tnetstring form ("0#"): it is written and read back as 0
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(text(6), fc.constantFrom('__proto__', 'constructor', '')), tie('value')), { maxLength: 4 })
      .map((entries) => {
        const d = Object.create(null) as Record<string, TnetValue>;
        for (const [k, v] of entries) d[k] = v;
        return d;
      }),
  ),
}));

/** A valid encoding with one byte changed, inserted or removed, or a length prefix that lies. */
const mutated = fc.tuple(tnetValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'length')).map(([v, at, byte, how]) => {
  const buf = Buffer.from(encodeTnetstring(v));
  const i = buf.length === 0 ? 0 : at % buf.length;
  switch (how) {
    case 'set':
      buf[i] = byte;
      return buf;
    case 'insert':
      return Buffer.concat([buf.subarray(0, i), Buffer.from([byte]), buf.subarray(i)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, i), buf.subarray(i + 1)]);
    default: {
      // one of the length prefixes (picked by `at`) is made to lie by -3..+3
      const t = buf.toString('latin1');
      const prefixes = [...t.matchAll(/[0-9]+:/g)];
      const m = prefixes[at % Math.max(1, prefixes.length)];
      if (m === undefined || m.index === undefined) return buf;
      const lie = Math.max(0, Number(m[0].slice(0, -1)) + (byte % 7) - 3);
      return Buffer.from(`${t.slice(0, m.index)}${lie}:${t.slice(m.index + m[0].length)}`, 'latin1');
    }
  }
});

const TNET_BYTES = ['0', '1', '5', '9', ':', ',', '#', '^', '!', '~', ']', '}', 'true', 'false', '-', '.', 'e'];
const tnetish = fc.array(fc.oneof(fc.constantFrom(...TNET_BYTES), fc.string({ maxLength: 2 })), { maxLength: 20 }).map((p) => Buffer.from(p.join(''), 'latin1'));

/** Decodes `buf` whole and from an offset; only coded errors may come back (cheap checks: this runs hot). */
function checkDecode(buf: Buffer): void {
  const r = noThrow(() => decodeTnetstring(buf));
  if (!r.ok) check(CODES.has(r.error.code) && r.error.message !== '', `bad error ${r.error.code}: ${r.error.message}`);
  const offset = buf.length === 0 ? 0 : buf[0]! % (buf.length + 1);
  const p = noThrow(() => decodeTnetstringPrefix(buf, offset));
  if (p.ok) check(p.value.next > offset && p.value.next <= buf.length, `next ${p.value.next} out of range`);
  else check(CODES.has(p.error.code), `bad error ${p.error.code}`);
}

describe('tnetstring decode (fuzz)', () => {
  it('never throws on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (b) => checkDecode(Buffer.from(b))), runs(800));
  });

  it('never throws on tnetstring-shaped text', () => {
    fc.assert(fc.property(tnetish, checkDecode), runs(800));
  });

  it('never throws on damaged encodings, including lying length prefixes', () => {
    fc.assert(fc.property(mutated, checkDecode), runs(800));
  });

  it('accepts nesting up to the limit and rejects it past the limit (every depth, both containers)', () => {
    for (const kind of ['list', 'dict'] as const) {
      let v: TnetValue = 1;
      let raw = '1:1#'; // hand-built, since the encoder refuses to write past the limit
      for (let depth = 1; depth <= MAX_TNET_DEPTH + 3; depth++) {
        if (kind === 'list') {
          v = [v];
          raw = `${raw.length}:${raw}]`;
        } else {
          const d = Object.create(null) as Record<string, TnetValue>;
          d['k'] = v;
          v = d;
          raw = `${raw.length + 4}:1:k,${raw}}`;
        }
        const r = noThrow(() => decodeTnetstring(Buffer.from(raw, 'latin1')));
        if (depth <= MAX_TNET_DEPTH) {
          expect(r).toEqual({ ok: true, value: v });
          expect(encodeTnetstring(v).toString('latin1')).toBe(raw);
        } else {
          expect(r.ok ? 'ok' : r.error.code).toBe('TNET_TOO_DEEP');
          expect(() => encodeTnetstring(v)).toThrow(expect.objectContaining({ code: 'TNET_UNENCODABLE' }));
        }
      }
    }
  });
});

describe('tnetstring encode -> decode (fuzz)', () => {
  it('gives back every value the decoder can produce', () => {
    fc.assert(
      fc.property(tnetValue, (v) => {
        const r = noThrow(() => decodeTnetstring(encodeTnetstring(v)));
        expect(r).toEqual({ ok: true, value: v });
      }),
      runs(650),
    );
  });

  it('reads back a sequence of values with decodeTnetstringPrefix', () => {
    fc.assert(
      fc.property(fc.array(tnetValue, { maxLength: 5 }), (values) => {
        const buf = Buffer.concat(values.map((v) => encodeTnetstring(v)));
        const got: TnetValue[] = [];
        let pos = 0;
        while (pos < buf.length) {
          const r = decodeTnetstringPrefix(buf, pos);
          if (!r.ok) throw new Error(r.error.message);
          got.push(r.value.value);
          pos = r.value.next;
        }
        expect(got).toEqual(values);
      }),
      runs(250),
    );
  });

  it('writes JS strings as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(text(20), (s) => {
        expect(decodeTnetstring(encodeTnetstring(s))).toEqual({ ok: true, value: Buffer.from(s, 'utf8') });
      }),
      runs(250),
    );
  });
});

/**
 * Parsing of GRIP header values exactly as Pushpin 1.36 does it (spec grip-headers.md §2, Pushpin
 * `src/core/httpheaders.cpp`). Used for `Grip-*` response headers, `Grip-Last` and WebSocket meta headers.
 *
 * Header values are taken as Node gives them: "byte strings" where each char is one byte (latin1). The
 * `headerText`/`headerBytes`/`toHeaderString` helpers convert between those and real text/bytes.
 */
import { headerNameIs } from '../core/http-syntax';

/** One element of a list header: `first-part; name=value; name2="quoted"; flag`. */
export interface HeaderElement {
  /** The first part, trimmed, taken literally (quotes in it are not interpreted). */
  value: string;
  /** Parameters in order; names lower-cased; `undefined` value for a flag without `=`. */
  params: Array<[string, string | undefined]>;
}

/** Header pairs as the decoders receive them. */
export type HeaderPairs = ReadonlyArray<readonly [string, string]>;

const QT_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/** Trims ASCII whitespace only, like Qt's `QByteArray::trimmed()` (no Unicode spaces). */
export function trimAscii(s: string): string {
  return s.replace(QT_SPACE, '');
}

/** Every value of the header `name` (case-insensitive), in order of appearance. */
export function headerValues(headers: HeaderPairs, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of headers) if (headerNameIs(k, lower)) out.push(v);
  return out;
}

/** The first value of the header `name` (case-insensitive), or undefined when absent. */
export function firstHeaderValue(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (headerNameIs(k, lower)) return v;
  return undefined;
}

/**
 * Position of the next `,` outside double quotes at or after `from`; `line.length` when there is none;
 * -1 when a quote is left open (inside quotes a backslash escapes the next character).
 */
function findUnquotedComma(line: string, from: number): number {
  let inQuote = false;
  for (let n = from; n < line.length; n++) {
    const c = line[n];
    if (inQuote) {
      if (c === '\\') {
        n++;
        if (n >= line.length) return -1;
      } else if (c === '"') {
        inQuote = false;
      }
    } else if (c === '"') {
      inQuote = true;
    } else if (c === ',') {
      return n;
    }
  }
  return inQuote ? -1 : line.length;
}

/**
 * Splits one header line on commas outside double quotes, trimming each part. An empty middle element
 * (`a, , b`) is kept as `''`; a trailing comma adds nothing; an open quote makes the rest one element.
 */
export function splitHeaderLine(line: string): string[] {
  const parts: string[] = [];
  let pos = 0;
  while (pos < line.length) {
    const end = findUnquotedComma(line, pos);
    if (end === -1) {
      parts.push(trimAscii(line.slice(pos)));
      pos = line.length;
    } else {
      parts.push(trimAscii(line.slice(pos, end)));
      pos = end < line.length ? end + 1 : line.length;
    }
  }
  return parts;
}

/** All elements of all lines of a list header, in order. */
export function splitHeaderList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of values) for (const part of splitHeaderLine(line)) out.push(part);
  return out;
}

/**
 * Parses `name=value; name2="quoted"; flag` (every part a parameter, names kept as written).
 * Unquoted values run to the next `;` and are trimmed; a value is quoted only when `"` follows `=`
 * directly, a backslash in it escapes the next character and anything after the closing quote up to the
 * next `;` is ignored. Returns undefined for an unterminated quote or a trailing backslash in quotes.
 */
export function parseParameterList(input: string): Array<[string, string | undefined]> | undefined {
  const out: Array<[string, string | undefined]> = [];
  let start = 0;
  while (start < input.length) {
    let name: string;
    let value: string | undefined;
    const at = findEqualsOrSemicolon(input, start);
    if (at === -1) {
      name = trimAscii(input.slice(start));
      start = input.length;
    } else if (input[at] === ';') {
      name = trimAscii(input.slice(start, at));
      start = at + 1;
    } else {
      name = trimAscii(input.slice(start, at));
      const vstart = at + 1;
      if (input[vstart] === '"') {
        let buf = '';
        let closed = -1;
        for (let n = vstart + 1; n < input.length; n++) {
          const c = input[n];
          if (c === '\\') {
            if (n + 1 >= input.length) return undefined;
            n++;
            buf += input[n];
          } else if (c === '"') {
            closed = n;
            break;
          } else {
            buf += c;
          }
        }
        if (closed === -1) return undefined;
        value = buf;
        const semi = input.indexOf(';', closed + 1);
        start = semi === -1 ? input.length : semi + 1;
      } else {
        const semi = input.indexOf(';', vstart);
        value = trimAscii(semi === -1 ? input.slice(vstart) : input.slice(vstart, semi));
        start = semi === -1 ? input.length : semi + 1;
      }
    }
    out.push([name, value]);
  }
  return out;
}

function findEqualsOrSemicolon(s: string, from: number): number {
  for (let n = from; n < s.length; n++) {
    const c = s[n];
    if (c === '=' || c === ';') return n;
  }
  return -1;
}

/**
 * Parses one element `first; name=value; ...`: the first part runs to the first `;` (quotes not
 * interpreted) and is trimmed; the rest are parameters with lower-cased names. Returns undefined when a
 * quoted parameter value is unterminated (Pushpin skips such elements silently).
 */
export function parseHeaderElement(value: string): HeaderElement | undefined {
  const semi = value.indexOf(';');
  const first = trimAscii(semi === -1 ? value : value.slice(0, semi));
  if (semi === -1) return { value: first, params: [] };
  const params = parseParameterList(value.slice(semi + 1));
  if (params === undefined) return undefined;
  for (const p of params) p[0] = p[0].toLowerCase();
  return { value: first, params };
}

/** Every parsable element of every line of a list header (comma-split, unparsable ones skipped). */
export function parseHeaderList(values: readonly string[]): HeaderElement[] {
  const out: HeaderElement[] = [];
  for (const part of splitHeaderList(values)) {
    const el = parseHeaderElement(part);
    if (el !== undefined) out.push(el);
  }
  return out;
}

/** Whether the element has a parameter `name` (case-insensitive), with or without a value. */
export function hasParam(el: HeaderElement, name: string): boolean {
  const lower = name.toLowerCase();
  return el.params.some(([k]) => k === lower);
}

/** The value of the first parameter `name` (case-insensitive); undefined if absent or a bare flag. */
export function param(el: HeaderElement, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of el.params) if (k === lower) return v;
  return undefined;
}

/** The values of every parameter `name` (case-insensitive), in order; a bare flag gives `''`. */
export function paramAll(el: HeaderElement, name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of el.params) if (k === lower) out.push(v ?? '');
  return out;
}

const INT_SYNTAX = /^[ \t\n\v\f\r]*[+-]?[0-9]+[ \t\n\v\f\r]*$/;

/**
 * A decimal integer as Qt's `QByteArray::toInt()` accepts it (optional sign, surrounding ASCII whitespace,
 * 32-bit range); undefined for anything else, including an empty string.
 */
export function parseHeaderInt(s: string | undefined): number | undefined {
  if (s === undefined || !INT_SYNTAX.test(s)) return undefined;
  const n = Number(trimAscii(s));
  if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) return undefined;
  return n === 0 ? 0 : n; // no -0
}

const NON_ASCII = /[^\x00-\x7f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes of a header value: one byte per char for a byte string (Node's latin1 decoding), UTF-8 when the
 * string holds chars above U+00FF (a caller that already decoded it).
 */
export function headerBytes(s: string): Buffer {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8');
  return Buffer.from(s, 'latin1');
}

/**
 * A header value as text: the bytes decoded as UTF-8 (as Pushpin does for channel names and meta), or the
 * string unchanged when it is ASCII, not a byte string, or not valid UTF-8.
 */
export function headerText(s: string): string {
  if (!NON_ASCII.test(s)) return s;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return s;
  try {
    return UTF8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}

/** Text (e.g. from JSON) as a header byte string: its UTF-8 bytes, one char per byte. */
export function toHeaderString(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

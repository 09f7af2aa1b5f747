/**
 * tnetstring codec for the types Pushpin uses on its ZeroMQ sockets (publishing.md §3, §5-7).
 *
 * A value is `<length>:<payload><type>` where the type is one of `,` (bytes), `#` (integer), `^` (float),
 * `!` (boolean), `~` (null), `]` (list) or `}` (dict with byte-string keys). Decoding is bounded: the length
 * prefix is at most {@link MAX_LENGTH_DIGITS} digits, it is checked against the remaining bytes before any
 * slice, and containers nest at most {@link MAX_TNET_DEPTH} levels.
 */
import { ThumbtackError, fail, ok } from './errors';
import type { Result } from './errors';
import { joinChunks } from './join-chunks';

/** A dict decodes to a null-prototype object: keys are the UTF-8 decoding of the key bytes. */
export interface TnetDict {
  [key: string]: TnetValue;
}

/** A decoded tnetstring value. Byte strings are `Buffer`s (views into the input, not copies). */
export type TnetValue = Buffer | number | boolean | null | TnetValue[] | TnetDict;

/** What {@link encodeTnetstring} accepts: decoded values plus JS strings, Maps and `undefined` members. */
export type TnetEncodable =
  | TnetValue
  | string
  | bigint
  | Uint8Array
  | undefined
  | readonly TnetEncodable[]
  | ReadonlyMap<string, TnetEncodable>
  | { readonly [key: string]: TnetEncodable };

/** Containers nested deeper than this are rejected (decode) or refused (encode). */
export const MAX_TNET_DEPTH = 64;

/** Longest accepted length prefix: 9 digits, i.e. payloads under 1 GB. */
export const MAX_LENGTH_DIGITS = 9;

const COLON = 0x3a;
const INTEGER_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** Thrown inside this module only; the exported decoders turn it into a `Result`. */
class TnetDecodeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A value decoded by {@link decodeTnetstringPrefix}. */
export interface TnetDecoded {
  value: TnetValue;
  /** Offset just past the value's type character. */
  next: number;
}

/**
 * Decodes a buffer that holds exactly one tnetstring value; trailing bytes are an error.
 * Errors: `TNET_INVALID` (malformed), `TNET_TOO_DEEP` (nesting over {@link MAX_TNET_DEPTH}).
 */
export function decodeTnetstring(buf: Buffer): Result<TnetValue> {
  const r = decodeTnetstringPrefix(buf, 0);
  if (!r.ok) return r;
  if (r.value.next !== buf.length) {
    return fail('TNET_INVALID', `tnetstring has ${buf.length - r.value.next} trailing bytes at offset ${r.value.next}`);
  }
  return ok(r.value.value);
}

/**
 * Decodes one tnetstring value starting at `offset` (bytes) and returns it with the offset just past it, so
 * callers can read several values in a row. Same errors as {@link decodeTnetstring}.
 */
export function decodeTnetstringPrefix(buf: Buffer, offset: number): Result<TnetDecoded> {
  if (!Number.isInteger(offset) || offset < 0 || offset > buf.length) {
    return fail('TNET_INVALID', `tnetstring offset ${offset} is outside the ${buf.length}-byte buffer`);
  }
  try {
    return ok(decodeAt(buf, offset, 0));
  } catch (err) {
    if (err instanceof TnetDecodeError) return fail(err.code, err.message);
    throw err;
  }
}

function decodeAt(buf: Buffer, offset: number, depth: number): TnetDecoded {
  if (offset >= buf.length) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring is empty at offset ${offset}`);
  }
  // Length prefix: 1..MAX_LENGTH_DIGITS ASCII digits, then ':'.
  let pos = offset;
  let length = 0;
  while (pos < buf.length && pos - offset <= MAX_LENGTH_DIGITS) {
    const c = buf[pos] as number;
    if (c < 0x30 || c > 0x39) break;
    length = length * 10 + (c - 0x30);
    pos++;
  }
  const digits = pos - offset;
  if (digits === 0) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring length prefix is not a number at offset ${offset}`);
  }
  if (digits > MAX_LENGTH_DIGITS) {
    throw new TnetDecodeError(
      'TNET_INVALID',
      `tnetstring length prefix has more than ${MAX_LENGTH_DIGITS} digits at offset ${offset}`,
    );
  }
  if (pos >= buf.length || buf[pos] !== COLON) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring length prefix is not followed by ':' at offset ${pos}`);
  }
  const start = pos + 1;
  // The payload plus its one-byte type tag must fit in what remains; checked before slicing anything.
  const remaining = buf.length - start;
  if (length > remaining) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring length ${length} exceeds remaining ${remaining} bytes`);
  }
  if (length === remaining) {
    throw new TnetDecodeError(
      'TNET_INVALID',
      `tnetstring at offset ${offset} has no type character after its ${length}-byte payload`,
    );
  }
  const end = start + length;
  const tag = buf[end] as number;
  const next = end + 1;
  switch (tag) {
    case 0x2c: // ','
      return { value: buf.subarray(start, end), next };
    case 0x23: // '#'
      return { value: decodeInteger(buf.toString('latin1', start, end), start), next };
    case 0x5e: // '^'
      return { value: decodeFloat(buf.toString('latin1', start, end), start), next };
    case 0x21: // '!'
      return { value: decodeBoolean(buf.toString('latin1', start, end), start), next };
    case 0x7e: // '~'
      if (length !== 0) {
        throw new TnetDecodeError('TNET_INVALID', `tnetstring null at offset ${offset} has a ${length}-byte payload`);
      }
      return { value: null, next };
    case 0x5d: // ']'
      return { value: decodeList(buf, start, end, depth + 1, offset), next };
    case 0x7d: // '}'
      return { value: decodeDict(buf, start, end, depth + 1, offset), next };
    default:
      throw new TnetDecodeError(
        'TNET_INVALID',
        `tnetstring type character 0x${tag.toString(16).padStart(2, '0')} at offset ${end} is unknown`,
      );
  }
}

function decodeInteger(text: string, at: number): number {
  if (!INTEGER_RE.test(text)) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring integer at offset ${at} is not a number`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring integer ${text} at offset ${at} is outside the safe range`);
  }
  return n;
}

function decodeFloat(text: string, at: number): number {
  const n = Number(text);
  if (!FLOAT_RE.test(text) || !Number.isFinite(n)) {
    throw new TnetDecodeError('TNET_INVALID', `tnetstring float at offset ${at} is not a finite number`);
  }
  return n;
}

function decodeBoolean(text: string, at: number): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new TnetDecodeError('TNET_INVALID', `tnetstring boolean at offset ${at} is neither 'true' nor 'false'`);
}

function checkDepth(depth: number, offset: number): void {
  if (depth > MAX_TNET_DEPTH) {
    throw new TnetDecodeError(
      'TNET_TOO_DEEP',
      `tnetstring nesting exceeds ${MAX_TNET_DEPTH} levels at offset ${offset}`,
    );
  }
}

/** Decodes the payload `[start, end)` of a list; children must end exactly at `end`. */
function decodeList(buf: Buffer, start: number, end: number, depth: number, offset: number): TnetValue[] {
  checkDepth(depth, offset);
  const payload = buf.subarray(0, end); // children cannot read past the list's own payload
  const out: TnetValue[] = [];
  let pos = start;
  while (pos < end) {
    const child = decodeAt(payload, pos, depth);
    out.push(child.value);
    pos = child.next;
  }
  return out;
}

/** Decodes the payload `[start, end)` of a dict: alternating byte-string keys and values. */
function decodeDict(buf: Buffer, start: number, end: number, depth: number, offset: number): TnetDict {
  checkDepth(depth, offset);
  const payload = buf.subarray(0, end);
  const out = Object.create(null) as TnetDict;
  let pos = start;
  while (pos < end) {
    const key = decodeAt(payload, pos, depth);
    if (!Buffer.isBuffer(key.value)) {
      throw new TnetDecodeError('TNET_INVALID', `tnetstring dict key at offset ${pos} is not a byte string`);
    }
    if (key.next >= end) {
      throw new TnetDecodeError('TNET_INVALID', `tnetstring dict key at offset ${pos} has no value`);
    }
    const value = decodeAt(payload, key.next, depth);
    out[key.value.toString('utf8')] = value.value;
    pos = value.next;
  }
  return out;
}

/**
 * Encodes a value as a tnetstring. Strings become byte strings (UTF-8), Buffers/Uint8Arrays byte strings,
 * safe integers and bigints `#`, other finite numbers `^`, booleans `!`, null `~`, arrays `]`, plain objects
 * and Maps `}` (keys UTF-8). `undefined` object members are skipped and `undefined` list elements become
 * null, as JSON does.
 * @throws ThumbtackError `TNET_UNENCODABLE` for NaN/Infinity, functions, symbols, or nesting deeper than
 *   {@link MAX_TNET_DEPTH} (which also catches cycles). These are programming errors, not input errors.
 */
export function encodeTnetstring(value: TnetEncodable): Buffer {
  const chunks: Buffer[] = [];
  encodeInto(value, chunks, 0);
  return joinChunks(chunks);
}

function frame(payload: Buffer, tag: string): Buffer {
  return Buffer.concat([Buffer.from(`${payload.length}:`, 'latin1'), payload, Buffer.from(tag, 'latin1')]);
}

function frameText(text: string, tag: string): Buffer {
  return Buffer.from(`${text.length}:${text}${tag}`, 'latin1');
}

function encodeInto(value: unknown, out: Buffer[], depth: number): void {
  if (value === null || value === undefined) {
    out.push(Buffer.from('0:~', 'latin1'));
  } else if (typeof value === 'string') {
    out.push(frame(Buffer.from(value, 'utf8'), ','));
  } else if (value instanceof Uint8Array) {
    out.push(frame(Buffer.from(value.buffer, value.byteOffset, value.byteLength), ','));
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ThumbtackError('TNET_UNENCODABLE', `cannot encode ${value} as a tnetstring number`);
    }
    out.push(Number.isSafeInteger(value) ? frameText(String(value), '#') : frameText(String(value), '^'));
  } else if (typeof value === 'bigint') {
    out.push(frameText(value.toString(), '#'));
  } else if (typeof value === 'boolean') {
    out.push(frameText(value ? 'true' : 'false', '!'));
  } else if (typeof value === 'object') {
    if (depth >= MAX_TNET_DEPTH) {
      throw new ThumbtackError('TNET_UNENCODABLE', `cannot encode nesting deeper than ${MAX_TNET_DEPTH} levels`);
    }
    const inner: Buffer[] = [];
    if (Array.isArray(value)) {
      for (const item of value) encodeInto(item, inner, depth + 1);
      out.push(frame(Buffer.concat(inner), ']'));
      return;
    }
    const entries: Iterable<[unknown, unknown]> =
      value instanceof Map ? value.entries() : Object.entries(value as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (v === undefined) continue;
      if (typeof k !== 'string') {
        throw new ThumbtackError('TNET_UNENCODABLE', 'cannot encode a dict key that is not a string');
      }
      encodeInto(k, inner, depth + 1);
      encodeInto(v, inner, depth + 1);
    }
    out.push(frame(Buffer.concat(inner), '}'));
  } else {
    throw new ThumbtackError('TNET_UNENCODABLE', `cannot encode a ${typeof value} as a tnetstring`);
  }
}

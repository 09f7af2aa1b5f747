/**
 * Small readers shared by the publish item and format decoders. A publish item reaches us either as parsed
 * JSON (strings are JS strings) or as a decoded tnetstring (strings are Buffers, dicts null-prototype
 * objects); these helpers read both the same way, as Pushpin's VariantUtil does.
 */

/** The two wire encodings of a publish item (publishing.md §3). */
export type ItemEncoding = 'json' | 'tnetstring';

/** A JSON object or tnetstring dict. */
export type Obj = Record<string, unknown>;

/** True for a JSON object / tnetstring dict (not an array, Buffer or null). */
export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** Own-property lookup (never the prototype chain): `undefined` when absent. */
export function field(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** True when `o` has an own property `key` (whatever its value, even null). */
export function has(o: Obj, key: string): boolean {
  return Object.hasOwn(o, key);
}

/** A text value: a JS string as is, a byte string decoded as UTF-8; anything else `undefined`. */
export function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

/** A byte value: a Buffer as is, a JS string encoded as UTF-8; anything else `undefined`. */
export function asBytes(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return undefined;
}

/** Outcome of reading an integer-like field. */
export type IntRead = { ok: true; n: number } | { ok: false; why: 'wrong type' | 'invalid value' };

const DECIMAL_RE = /^[+-]?[0-9]+$/;

/**
 * Reads an integer the way Pushpin's `canConvert(Int)` is used for `code` and `size`: a number (a float
 * is rounded, 404.7 -> 405) or a decimal string such as `"201"`. Unlike Pushpin, a non-numeric string is
 * an `invalid value` instead of silently becoming 0, and booleans are a `wrong type`.
 */
export function readInt(v: unknown): IntRead {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return { ok: false, why: 'invalid value' };
    const n = Math.round(v);
    return Number.isSafeInteger(n) ? { ok: true, n: n === 0 ? 0 : n } : { ok: false, why: 'invalid value' };
  }
  const text = asText(v);
  if (text === undefined) return { ok: false, why: 'wrong type' };
  const trimmed = text.trim();
  if (!DECIMAL_RE.test(trimmed)) return { ok: false, why: 'invalid value' };
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? { ok: true, n: n === 0 ? 0 : n } : { ok: false, why: 'invalid value' };
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Strict standard base64 (RFC 4648 §4): only the 64 letters, padding only at the end; unpadded input is
 * accepted when its length is possible (not 1 mod 4). No whitespace, no URL-safe letters.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (!BASE64_RE.test(text)) return undefined;
  const padded = text.endsWith('=');
  if (padded ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

/** C0 controls and DEL. */
const CONTROL_RE = /[\x00-\x1f\x7f]/;

/** True when `s` holds a control character (NUL, CR, LF, other C0, DEL). */
export function hasControlChar(s: string): boolean {
  return CONTROL_RE.test(s);
}

/** Quotes a user-supplied string for an error message: escaped, and cut after 64 characters. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}

/** Names a key in an error message Pushpin-style (`'name'`), escaping it when it is odd or long. */
export function label(s: string): string {
  return s.length <= 64 && !CONTROL_RE.test(s) && !s.includes("'") ? `'${s}'` : quote(s);
}

/**
 * Converts a decoded tnetstring value to the JSON value it stands for (byte strings -> UTF-8 strings,
 * dicts -> plain objects), as Pushpin's `convertToJsonStyle` does before applying a JSON Patch. Depth is
 * already bounded by the tnetstring decoder.
 */
export function toJsonStyle(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map(toJsonStyle);
  if (isObj(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v)) {
      // defineProperty so that a key named "__proto__" stays an ordinary own property.
      Object.defineProperty(out, k, { value: toJsonStyle(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

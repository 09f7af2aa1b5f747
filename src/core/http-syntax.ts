/**
 * HTTP field syntax shared by every part that reads or writes HTTP: header names and methods are tokens
 * (RFC 9110 §5.6.2), and a field value carries no control character but horizontal tab (§5.5).
 */

/** RFC 9110 token. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** C0 controls except horizontal tab, and DEL: what may not appear in an HTTP field value. */
const FIELD_VALUE_BAD_RE = /[\x00-\x08\x0a-\x1f\x7f]/;

/** True when `s` is an HTTP token (a valid header name or method). */
export function isToken(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** True when `s` may be an HTTP field value: no CR, LF, NUL or other control character except tab. */
export function isFieldValue(s: string): boolean {
  return !FIELD_VALUE_BAD_RE.test(s);
}

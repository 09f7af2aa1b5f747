/**
 * HTTP field syntax shared by every part that reads or writes HTTP: header names and methods are tokens
 * (RFC 9110 §5.6.2), a field value carries no control character but horizontal tab (§5.5), list fields
 * are comma-separated (§5.6.1), and Content-Length is digits (§8.6).
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

/** A Content-Length value the parsers read: 1 to 15 digits, no sign or spaces (always a safe integer). */
const CONTENT_LENGTH_RE = /^[0-9]{1,15}$/;

/** True when `s` is a Content-Length value the parsers read (see CONTENT_LENGTH_RE). */
export function isContentLength(s: string): boolean {
  return CONTENT_LENGTH_RE.test(s);
}

/** The elements of a comma-separated list field (Connection, Transfer-Encoding), trimmed and lower-cased. */
export function listElements(value: string): string[] {
  return value.toLowerCase().split(',').map((t) => t.trim());
}

/**
 * Whether the header name `name` is `lower` (given in lower case), ignoring ASCII case: what
 * `name.toLowerCase() === lower` says for the header names and the ASCII names sought here, without
 * making a lower-cased copy of every name looked at (several lookups per request, each over all headers).
 */
export function headerNameIs(name: string, lower: string): boolean {
  return name.length === lower.length && (name === lower || startsWithIgnoringCase(name, lower));
}

/** Whether `name` begins with `lowerPrefix` (given in lower case), ignoring ASCII case, without copying. */
export function startsWithIgnoringCase(name: string, lowerPrefix: string): boolean {
  if (name.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    const c = name.charCodeAt(i);
    const want = lowerPrefix.charCodeAt(i);
    if (c !== want && !(c >= 0x41 && c <= 0x5a && c + 0x20 === want)) return false;
  }
  return true;
}

/**
 * The head of an HTTP/1.x request to the publish intake, parsed from bytes (pure: no I/O). The publish API
 * needs little of HTTP: a request line, a few headers, and a body framed by Content-Length (Pushpin refuses
 * anything else with 411). Parsing that here instead of through Node's HTTP server spares each publish the
 * server's per-request objects and stream machinery, which were most of a publish's user-space time.
 *
 * Strict where a lenient parser would be ambiguous: CRLF line ends only, no folded lines, header names are
 * tokens, one Content-Length value, versions 1.0 and 1.1. Empty lines before the request line are skipped,
 * as RFC 9112 §2.2 allows.
 */
import { fail, ok, type Result } from '../core/errors';
import { isContentLength, isFieldValue, isToken, listElements } from '../core/http-syntax';

/** Error code of a head that is not valid HTTP/1.x (answered 400 Bad Request). */
export const BAD_HEAD = 'INTAKE_BAD_HEAD';
/** Error code of a head longer than the limit (answered 400, "Request header too large."). */
export const HEAD_TOO_LARGE = 'INTAKE_HEAD_TOO_LARGE';

export interface IntakeRequestHead {
  method: string;
  /** The request target as sent (origin form for the publish API: `/publish/`). */
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: 0 | 1;
  /** Field values by lower-case name; repeats are joined with `, ` except where the first one counts. */
  headers: Map<string, string>;
  /** The body's length from Content-Length; undefined when the header is absent. */
  contentLength: number | undefined;
  /** A Transfer-Encoding header is present: the body is not framed by a length this intake reads. */
  transferEncoding: boolean;
  /** Whether the connection may carry another request after this one (version default, `Connection`). */
  keepAlive: boolean;
  /** `Expect: 100-continue` ('continue'), another expectation ('other'), or none. */
  expect: 'none' | 'continue' | 'other';
}

export type HeadParse =
  | { kind: 'incomplete' }
  /** `length`: bytes of `buf` the head took, its final empty line and any skipped empty lines included. */
  | { kind: 'head'; head: IntakeRequestHead; length: number };

const CR = 13;
const LF = 10;
/** A request target: visible ASCII and obs-text, no spaces or controls. */
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
/** Headers whose first occurrence counts (as Node's `req.headers` keeps them); others are joined. */
const FIRST_WINS = new Set(['authorization', 'content-type', 'host', 'user-agent', 'expect']);

/**
 * Parses the request head at the start of `buf`, allowing at most `maxHeadBytes` for it. `incomplete`
 * means more bytes are needed; an error means the connection cannot continue (answer 400 and close).
 */
export function parseRequestHead(buf: Buffer, maxHeadBytes: number): Result<HeadParse> {
  let start = 0;
  while (start < buf.length && (buf[start] === CR || buf[start] === LF)) {
    if (buf[start] === LF && (start === 0 || buf[start - 1] !== CR)) return fail(BAD_HEAD, 'a line ends in LF without CR');
    start++;
  }
  const end = buf.indexOf('\r\n\r\n', start, 'latin1');
  const scanTo = end < 0 ? buf.length : end + 2;
  // A bare LF would otherwise leave the head looking incomplete until the limit or a timeout.
  for (let i = buf.indexOf(LF, start); i >= 0 && i < scanTo; i = buf.indexOf(LF, i + 1)) {
    if (buf[i - 1] !== CR) return fail(BAD_HEAD, 'a line ends in LF without CR');
  }
  if (end < 0) {
    if (buf.length - start > maxHeadBytes) return fail(HEAD_TOO_LARGE, `request head over ${maxHeadBytes} bytes`);
    return ok({ kind: 'incomplete' });
  }
  if (end + 4 - start > maxHeadBytes) return fail(HEAD_TOO_LARGE, `request head over ${maxHeadBytes} bytes`);
  const lines = buf.toString('latin1', start, end).split('\r\n');
  const head = parseLines(lines);
  if (!head.ok) return head;
  return ok({ kind: 'head', head: head.value, length: end + 4 });
}

function parseLines(lines: string[]): Result<IntakeRequestHead> {
  const requestLine = (lines[0] ?? '').split(' ');
  if (requestLine.length !== 3) return fail(BAD_HEAD, 'the request line is not "METHOD target HTTP/1.x"');
  const [method, url, version] = requestLine as [string, string, string];
  if (!isToken(method)) return fail(BAD_HEAD, 'the method is not a token');
  if (!TARGET.test(url)) return fail(BAD_HEAD, 'the request target is empty or has controls');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return fail(BAD_HEAD, `unsupported version ${JSON.stringify(version)}`);
  const minorVersion = version === 'HTTP/1.1' ? 1 : 0;

  const headers = new Map<string, string>();
  let contentLength: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.charCodeAt(0) === 0x20 || line.charCodeAt(0) === 0x09) return fail(BAD_HEAD, 'a folded header line');
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!isToken(name)) return fail(BAD_HEAD, 'a header name is not a token');
    const value = line.slice(colon + 1).trim();
    if (!isFieldValue(value)) return fail(BAD_HEAD, `control characters in header ${name}`);
    const key = name.toLowerCase();
    if (key === 'content-length') {
      if (!isContentLength(value)) return fail(BAD_HEAD, 'Content-Length is not a number');
      const n = Number(value);
      if (contentLength !== undefined && contentLength !== n) return fail(BAD_HEAD, 'conflicting Content-Length headers');
      contentLength = n;
    }
    const seen = headers.get(key);
    if (seen === undefined) headers.set(key, value);
    else if (!FIRST_WINS.has(key)) headers.set(key, `${seen}, ${value}`);
  }
  if (minorVersion === 1 && !headers.has('host')) return fail(BAD_HEAD, 'an HTTP/1.1 request without Host');

  const connection = listElements(headers.get('connection') ?? '');
  const keepAlive = connection.includes('close') ? false : minorVersion === 1 || connection.includes('keep-alive');
  const expectValue = headers.get('expect');
  const expect = expectValue === undefined ? 'none' : expectValue.toLowerCase() === '100-continue' ? 'continue' : 'other';
  return ok({
    method,
    url,
    minorVersion,
    headers,
    contentLength,
    transferEncoding: headers.has('transfer-encoding'),
    keepAlive,
    expect,
  });
}

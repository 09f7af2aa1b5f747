/**
 * The head of a backend's HTTP/1.x response, parsed from bytes (pure: no I/O), and how its body is framed
 * (RFC 9112 §6.3). Lenient where backends are known to be (lines may end in a bare LF, the reason phrase
 * may be missing), strict where leniency would be ambiguous: no folded lines, header names are tokens,
 * Content-Length values must agree, versions 1.0 and 1.1 only.
 */
import { fail, ok, type Result } from '../core/errors';
import { isContentLength, isFieldValue, isToken, listElements } from '../core/http-syntax';

/** Error code of a response head that is not valid HTTP/1.x (the request fails as `reset`: 502). */
export const BAD_BACKEND_RESPONSE = 'BACKEND_BAD_RESPONSE';
/** Error code of a response head longer than the limit. */
export const BACKEND_HEAD_TOO_LARGE = 'BACKEND_HEAD_TOO_LARGE';

/** How the body after the head ends. */
export type BodyFraming =
  /** No body (HEAD request, 1xx, 204, 304). */
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  /** Read until the backend closes the connection. */
  | { kind: 'close' };

export interface BackendResponseHead {
  statusCode: number;
  /** The reason phrase ('' when absent). */
  statusMessage: string;
  /** Header names and values, alternating, as they came (latin1; values without surrounding blanks). */
  rawHeaders: string[];
  framing: BodyFraming;
  /** Whether the connection may carry another request once this response's body is read. */
  keepAlive: boolean;
  /** The backend's `Keep-Alive: timeout=N` (seconds), if it sent one. */
  keepAliveTimeoutS: number | undefined;
}

export type ResponseHeadParse =
  | { kind: 'incomplete' }
  /** `length`: bytes of the buffer the head took, its final empty line included. */
  | { kind: 'head'; head: BackendResponseHead; length: number };

const LF = 10;
const CR = 13;
const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;

/**
 * Parses the response head at the start of `buf` (at most `maxHeadBytes` long) to a request made with
 * `requestMethod`. `incomplete` means more bytes are needed. An interim (1xx) response is returned like
 * any other, framed `none`: the caller skips it and parses again after it.
 */
export function parseResponseHead(buf: Buffer, maxHeadBytes: number, requestMethod: string): Result<ResponseHeadParse> {
  // Line bounds as byte offsets [start, end) without the line end: names and values are then decoded
  // straight from the bytes into flat strings (a held stream may keep some, and a slice of a line string
  // would keep the whole line).
  const bounds: number[] = [];
  let start = 0;
  for (;;) {
    const lf = buf.indexOf(LF, start);
    if (lf < 0 ? buf.length >= maxHeadBytes : lf >= maxHeadBytes) return fail(BACKEND_HEAD_TOO_LARGE, `response head over ${maxHeadBytes} bytes`);
    if (lf < 0) return ok({ kind: 'incomplete' });
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    if (end === start) {
      if (bounds.length === 0) return fail(BAD_BACKEND_RESPONSE, 'the response starts with an empty line');
      const head = parseLines(buf, bounds, requestMethod);
      return head.ok ? ok({ kind: 'head', head: head.value, length: lf + 1 }) : head;
    }
    bounds.push(start, end);
    start = lf + 1;
  }
}

/** Whether the byte is a space or a horizontal tab. */
function blank(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09;
}

function parseLines(buf: Buffer, bounds: number[], requestMethod: string): Result<BackendResponseHead> {
  const statusLine = buf.toString('latin1', bounds[0], bounds[1]);
  const status = STATUS_LINE.exec(statusLine);
  if (!status) return fail(BAD_BACKEND_RESPONSE, `not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const minorVersion = Number(status[1]);
  const statusCode = Number(status[2]);
  if (statusCode < 100) return fail(BAD_BACKEND_RESPONSE, `status ${statusCode} is below 100`);
  const rawHeaders: string[] = [];
  let contentLength: number | undefined;
  let transferEncoding: string | undefined;
  let connection = '';
  let keepAliveTimeoutS: number | undefined;
  for (let i = 2; i < bounds.length; i += 2) {
    const lineStart = bounds[i] as number;
    const lineEnd = bounds[i + 1] as number;
    if (blank(buf[lineStart])) return fail(BAD_BACKEND_RESPONSE, 'a folded header line');
    const colon = buf.indexOf(0x3a, lineStart);
    const name = colon > lineStart && colon < lineEnd ? buf.toString('latin1', lineStart, colon) : '';
    if (!isToken(name)) return fail(BAD_BACKEND_RESPONSE, `a header name is not a token: ${JSON.stringify(buf.toString('latin1', lineStart, Math.min(lineEnd, lineStart + 40)))}`);
    let valueStart = colon + 1;
    let valueEnd = lineEnd;
    while (valueStart < valueEnd && blank(buf[valueStart])) valueStart++;
    while (valueEnd > valueStart && blank(buf[valueEnd - 1])) valueEnd--;
    const value = buf.toString('latin1', valueStart, valueEnd);
    if (!isFieldValue(value)) return fail(BAD_BACKEND_RESPONSE, `control characters in header ${name}`);
    rawHeaders.push(name, value);
    switch (name.length === 10 || name.length === 14 || name.length === 17 ? name.toLowerCase() : '') {
      case 'content-length':
        for (const text of listElements(value)) {
          if (!isContentLength(text)) return fail(BAD_BACKEND_RESPONSE, `Content-Length ${JSON.stringify(value)} is not a number`);
          if (contentLength !== undefined && contentLength !== Number(text)) return fail(BAD_BACKEND_RESPONSE, 'conflicting Content-Length headers');
          contentLength = Number(text);
        }
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
        break;
      case 'connection':
        connection = `${connection},${value}`;
        break;
      case 'keep-alive': {
        const m = /(?:^|[,;\s])timeout\s*=\s*"?([0-9]{1,9})"?/i.exec(value);
        if (m) keepAliveTimeoutS = Number(m[1]);
        break;
      }
    }
  }
  const tokens = listElements(connection);
  let keepAlive = tokens.includes('close') ? false : minorVersion === 1 || tokens.includes('keep-alive');
  let framing: BodyFraming;
  if (requestMethod === 'HEAD' || statusCode < 200 || statusCode === 204 || statusCode === 304) framing = { kind: 'none' };
  else if (transferEncoding !== undefined) {
    // The final coding decides; a body whose last coding is not chunked ends with the connection. With
    // Content-Length as well, the message is suspect (smuggling): the connection is not reused.
    const codings = listElements(transferEncoding).filter((t) => t !== '');
    framing = codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
    if (framing.kind === 'close' || contentLength !== undefined) keepAlive = false;
  } else if (contentLength !== undefined) framing = { kind: 'length', length: contentLength };
  else framing = { kind: 'close' };
  if (framing.kind === 'close') keepAlive = false;
  return ok({ statusCode, statusMessage: status[3] ?? '', rawHeaders, framing, keepAlive, keepAliveTimeoutS });
}

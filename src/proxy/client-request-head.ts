/**
 * The head of a client's HTTP/1.x request as the proxy's lean front reads it (`lean-front.ts`), parsed
 * from bytes (pure: no I/O). It reads only the plain requests that are nearly all of a proxy's traffic and
 * gives them exactly as Node's HTTP server would (`rawHeaders` with names as sent and values trimmed of
 * spaces and tabs, keep-alive as llhttp decides it). Everything else is `other`, never an error: the
 * connection then goes to Node's HTTP server, which parses it as before and keeps its own answers to bad
 * requests (400, 431), upgrades, `Expect`, chunked bodies and lenient corners. So this parser can be
 * strict where strictness is cheap: CRLF only, origin-form targets of visible ASCII, field values of
 * visible ASCII, spaces and tabs, one Content-Length.
 */
import { METHODS } from 'node:http';
import { headerNameIs, isContentLength, isToken, listElements } from '../core/http-syntax';

export interface ClientRequestHead {
  method: string;
  /** The request target as sent (origin form: starts with `/`). */
  url: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minorVersion: 0 | 1;
  /** Node's flat `rawHeaders`: name as sent, value trimmed, in order, repeats kept. */
  rawHeaders: string[];
  /** Bytes of body after the head (Content-Length; 0 without it). */
  contentLength: number;
  /** Whether the connection may carry another request after this one (llhttp's rule). */
  keepAlive: boolean;
}

export type ClientHeadParse =
  | { kind: 'incomplete' }
  /** Not read here (`why` says what): Node's HTTP server takes the connection. */
  | { kind: 'other'; why: string }
  /** `length`: bytes of the head, its final empty line included. */
  | { kind: 'request'; head: ClientRequestHead; length: number };

/**
 * Methods llhttp accepts, less those it treats specially: CONNECT (a tunnel, an upgrade to Node) and PRI
 * (the HTTP/2 preface).
 */
const METHODS_READ = new Set(METHODS.filter((m) => m !== 'CONNECT' && m !== 'PRI'));
/** An origin-form request target of visible ASCII (llhttp takes more; the rest goes to it). */
const ORIGIN_TARGET = /^\/[\x21-\x7e]*$/;
/** A field value of visible ASCII, spaces and tabs (obs-text and controls go to Node). */
const PLAIN_VALUE = /^[\x20-\x7e\t]*$/;
/** Node keeps at most 2,000 entries of `rawHeaders` (1,000 fields); a longer head goes to it. */
const MAX_FIELDS = 1_000;

function other(why: string): ClientHeadParse {
  return { kind: 'other', why };
}

/** Trims spaces and tabs at both ends, as llhttp does to field values. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Parses the request head at the start of `buf`, whose head may take at most `maxHeadBytes` bytes
 * (`client_buffer_size`; a longer one goes to Node, which answers 431).
 */
export function parseClientHead(buf: Buffer, maxHeadBytes: number): ClientHeadParse {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return buf.length > maxHeadBytes ? other('head over the limit') : { kind: 'incomplete' };
  const length = end + 4;
  if (length > maxHeadBytes) return other('head over the limit');
  const text = buf.toString('latin1', 0, end);
  // Bare CR or LF anywhere would make lines mean something else to a lenient parser.
  const lines = text.split('\r\n');
  for (const line of lines) if (line.includes('\n') || line.includes('\r')) return other('a bare CR or LF');

  const requestLine = lines[0] as string;
  const sp1 = requestLine.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) return other('not "METHOD target HTTP/1.x"');
  const method = requestLine.slice(0, sp1);
  const url = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  if (!METHODS_READ.has(method)) return other('a method read by Node only');
  if (!ORIGIN_TARGET.test(url)) return other('not an origin-form target of visible ASCII');
  if (version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return other('not HTTP/1.0 or 1.1');
  const minorVersion = version === 'HTTP/1.1' ? 1 : 0;
  if (lines.length - 1 > MAX_FIELDS) return other('too many fields');

  const rawHeaders: string[] = [];
  let contentLength: number | undefined;
  let hasHost = false;
  let close = false;
  let keepAliveAsked = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) return other('a line without a field name');
    const name = line.slice(0, colon);
    if (!isToken(name)) return other('a field name that is not a token');
    const value = trimOws(line.slice(colon + 1));
    if (!PLAIN_VALUE.test(value)) return other('a field value beyond visible ASCII');
    switch (name.length) {
      case 4:
        if (headerNameIs(name, 'host')) hasHost = true;
        break;
      case 6:
        if (headerNameIs(name, 'expect')) return other('Expect');
        break;
      case 7:
        if (headerNameIs(name, 'upgrade')) return other('Upgrade');
        break;
      case 10:
        if (headerNameIs(name, 'connection')) {
          const tokens = listElements(value);
          if (tokens.includes('close')) close = true;
          if (tokens.includes('keep-alive')) keepAliveAsked = true;
        }
        break;
      case 14:
        if (headerNameIs(name, 'content-length')) {
          // Longer values than isContentLength reads go to Node's parser.
          if (contentLength !== undefined || !isContentLength(value)) return other('a repeated or unusual Content-Length');
          contentLength = Number(value);
        }
        break;
      case 17:
        if (headerNameIs(name, 'transfer-encoding')) return other('Transfer-Encoding');
        break;
    }
    rawHeaders.push(name, value);
  }
  if (minorVersion === 1 && !hasHost) return other('HTTP/1.1 without Host');
  if (close && keepAliveAsked) return other('Connection lists both close and keep-alive');
  const keepAlive = minorVersion === 1 ? !close : keepAliveAsked;
  return { kind: 'request', head: { method, url, minorVersion, rawHeaders, contentLength: contentLength ?? 0, keepAlive }, length };
}

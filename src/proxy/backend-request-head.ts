/**
 * The head of a request to a backend, as bytes (pure: no I/O). It is the head undici writes for the same
 * request, byte for byte, so that a backend sees the same request whichever client sent it: `host` first
 * (the request's Host, else the target's host and port), `connection: keep-alive`, the other headers in
 * their order with their spelling, then `content-length` for a body (or an empty one where the method
 * expects a body: POST, PUT, PATCH…), computed from the body, never copied.
 */
import { fail, ok, type Result } from '../core/errors';
import { isToken } from '../core/http-syntax';

/** Error code of a request that cannot be written as HTTP/1.1 (a control character in a header, say). */
export const BAD_BACKEND_REQUEST = 'BACKEND_BAD_REQUEST';

/** Characters a header value may not carry (undici's own check). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A request target: visible ASCII and obs-text. */
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;
/** Methods whose requests carry a body by their semantics: an empty one is announced with length 0. */
const EXPECTS_PAYLOAD = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

/** `host: …` as undici writes it when the request has no Host header (no port for 80). */
export function defaultHostLine(host: string, port: number): string {
  const name = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === 80 ? name : `${name}:${port}`;
}

/**
 * The request head for `method path` with `headers` (in order; at most one Host) and a body of `bodyLength`
 * bytes; `defaultHost` is used when there is no Host header. An error names the offending part.
 */
export function backendRequestHead(
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  bodyLength: number,
  defaultHost: string,
): Result<string> {
  if (!isToken(method)) return fail(BAD_BACKEND_REQUEST, `method ${JSON.stringify(method)} is not a token`);
  if (!TARGET.test(path)) return fail(BAD_BACKEND_REQUEST, `request target ${JSON.stringify(path)} is empty or has spaces or controls`);
  let host: string | undefined;
  let rest = '';
  for (const [name, value] of headers) {
    if (!isToken(name)) return fail(BAD_BACKEND_REQUEST, `header name ${JSON.stringify(name)} is not a token`);
    if (BAD_VALUE.test(value)) return fail(BAD_BACKEND_REQUEST, `header ${name} has a control character`);
    // Checked by length first: most names are neither.
    if (name.length === 4 && name.toLowerCase() === 'host') {
      host ??= value;
      continue;
    }
    if (name.length === 14 && name.toLowerCase() === 'content-length') continue;
    rest += `${name}: ${value}\r\n`;
  }
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host ?? defaultHost}\r\nconnection: keep-alive\r\n${rest}`;
  if (bodyLength > 0 || EXPECTS_PAYLOAD.has(method)) head += `content-length: ${bodyLength}\r\n`;
  return ok(`${head}\r\n`);
}

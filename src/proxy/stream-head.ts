/**
 * The head of a held stream as Node's `ServerResponse` writes it for an HTTP/1.1 keep-alive request
 * (`writeHead(code, reason, headers)` then the first write, with `sendDate` off), built without one (pure:
 * no I/O). The lean front's held streams (issue 6) write it straight to the socket. Only the plain case is
 * built: where Node would add, drop or refuse something (a status without a body, a header or reason it
 * rejects, a `Connection`, `Content-Length`, `Transfer-Encoding`, `Keep-Alive`, `Trailer` or `Expect`
 * header the response sets itself, a byte past ASCII), the answer is undefined and the response goes through Node.
 */
import { isToken } from '../core/http-syntax';

/**
 * What is not built here in a reason phrase or header value: what Node refuses (`checkInvalidHeaderChar`:
 * controls but tab, and anything past \xff), and also \x80-\xff, which Node writes as one byte after an
 * initial body but as two (UTF-8) when the head goes alone (`flushHeaders`): such a head stays Node's.
 */
const NOT_PLAIN = /[^\t\x20-\x7e]/;

/**
 * Header names whose presence changes what Node's `_storeHeader` adds or does (lower case). `Date` is not
 * one: it only stops Node adding its own, which the proxy's responses never do (`sendDate` off).
 */
const NODE_MANAGED = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'trailer', 'expect']);

/**
 * The head Node writes for a chunked response on a keep-alive connection that stays open for
 * `keepAliveTimeoutMs` between requests, or undefined when Node would write or do something else.
 */
export function streamHead(code: number, reason: string, headers: ReadonlyArray<readonly [string, string]>, keepAliveTimeoutMs: number): string | undefined {
  if (!Number.isInteger(code) || code < 200 || code > 999 || code === 204 || code === 304) return undefined;
  if (NOT_PLAIN.test(reason)) return undefined;
  let head = `HTTP/1.1 ${code} ${reason}\r\n`;
  for (const [name, value] of headers) {
    if (!isToken(name) || NOT_PLAIN.test(value)) return undefined;
    if (NODE_MANAGED.has(name.toLowerCase())) return undefined;
    head += `${name}: ${value}\r\n`;
  }
  const keepAlive = keepAliveTimeoutMs > 0 ? `Keep-Alive: timeout=${Math.floor(keepAliveTimeoutMs / 1000)}\r\n` : '';
  return `${head}Connection: keep-alive\r\n${keepAlive}Transfer-Encoding: chunked\r\n\r\n`;
}

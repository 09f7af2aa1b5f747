import type { ServerResponse } from 'node:http';
import { headerNameIs } from '../core/http-syntax';

/** Node's writeHead takes a flat [name, value, name, value] array to keep order and repeats. */
export function flatHeaders(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const flat: string[] = [];
  for (const [k, v] of pairs) flat.push(k, v);
  return flat;
}

/** Sends a complete response with a recomputed Content-Length. */
export function sendComplete(
  res: ServerResponse,
  code: number,
  reason: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: Buffer,
): void {
  if (res.headersSent || res.destroyed) return;
  const pairs = headers.filter(([k]) => !headerNameIs(k, 'content-length'));
  const noBody = code === 204 || code === 304 || (code >= 100 && code < 200);
  if (!noBody) pairs.push(['Content-Length', String(body.length)]);
  try {
    res.writeHead(code, reason, flatHeaders(pairs));
  } catch (err) {
    // A status or header Node refuses to write (from a published item): the client gets a 502 instead.
    res.removeHeader('Content-Length');
    const text = Buffer.from('Error while proxying to origin.\n');
    res.writeHead(502, 'Bad Gateway', ['Content-Type', 'text/plain', 'Content-Length', String(text.length)]);
    res.end(text);
    return;
  }
  res.end(noBody ? undefined : body);
}

/** A short text/plain error as Pushpin sends them (body ends with a newline). */
export function sendTextError(res: ServerResponse, code: number, reason: string, text: string): void {
  sendComplete(res, code, reason, [['Content-Type', 'text/plain']], Buffer.from(text.endsWith('\n') ? text : text + '\n'));
}

import type { Instruction } from '../grip/types';

/**
 * Pushpin's built-in `test` target: `/` says hello, `/response` long-polls and `/stream` streams on the
 * channel named by `?channel=` (default `test`). Returns what to do with the request: a plain response or
 * an instruction to apply, exactly as if a backend had sent it.
 */
export type TestHandlerResult =
  | { kind: 'response'; code: number; reason: string; body: string }
  | { kind: 'instruction'; instruction: Instruction };

export function testHandler(pathAndQuery: string, pathBeg: string | undefined): TestHandlerResult {
  const url = new URL(pathAndQuery, 'http://test.invalid');
  let path = url.pathname;
  if (pathBeg !== undefined && path.startsWith(pathBeg)) path = '/' + path.slice(pathBeg.length).replace(/^\/+/, '');
  const channel = url.searchParams.get('channel') ?? 'test';
  const textHeaders: Array<[string, string]> = [['Content-Type', 'text/plain']];
  if (path === '/') return { kind: 'response', code: 200, reason: 'OK', body: 'Hello from the Pushpin test handler!\n' };
  if (path === '/response') {
    return {
      kind: 'instruction',
      instruction: {
        hold: 'response',
        channels: [{ name: channel, filters: [] }],
        timeoutSec: 55,
        meta: {},
        response: { code: 200, reason: 'OK', headers: textHeaders, body: Buffer.from('nothing for now\n') },
      },
    };
  }
  if (path === '/stream') {
    return {
      kind: 'instruction',
      instruction: {
        hold: 'stream',
        channels: [{ name: channel, filters: [] }],
        timeoutSec: 55,
        meta: {},
        response: { code: 200, reason: 'OK', headers: textHeaders, body: Buffer.from('[stream opened]\n') },
      },
    };
  }
  return { kind: 'response', code: 404, reason: 'Not Found', body: 'no such test resource\n' };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the backend saw; `side` is the `side=` query parameter the tests add where counting matters. */
export interface SeenRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased name → values in arrival order (repeats kept). */
  headers: Record<string, string[]>;
}

export interface ConformanceBackend {
  port: number;
  requests: SeenRequest[];
  /** Requests whose path and query parameters match (e.g. `{ ch: 'lpt', side: 'pp' }`). */
  count(path: string, params: Record<string, string>): number;
  close(): Promise<void>;
}

/** 1 MiB of non-repeating bytes. */
export const BIG_BODY = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 7 + (i >> 10)) % 256));

/** Groups raw headers by lower-cased name, keeping repeats in order. */
export function groupHeaders(raw: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    (out[name] ??= []).push(raw[i + 1] as string);
  }
  return out;
}

function json(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/grip-instruct', ...headers });
  res.end(JSON.stringify(value));
}

/**
 * The one backend both proxies forward to. Paths (after route rewriting):
 * - `/plain`, `/plain-chunked`, `/chunked`, `/big`: plain pass-through responses;
 * - `/echo`: JSON of the method, URL and headers as received;
 * - `/status`, `/bad`, `/badtimeout`, `/instruct?mode=...`, `/instruct201`: GRIP instructions and errors;
 * - `/stream?ch=`, `/poll?ch=&t=`, `/ka?ch=`: holds.
 */
function handle(req: http.IncomingMessage, res: http.ServerResponse, seen: SeenRequest): void {
  const ch = seen.query.get('ch') ?? 'ch';
  switch (seen.path) {
    case '/plain':
      res.writeHead(201, 'Made It', { 'Content-Type': 'text/plain', 'Content-Length': '11', 'X-Custom': 'yes', 'Set-Cookie': ['a=1', 'b=2'] });
      res.end('plain body\n');
      return;
    case '/plain-chunked':
      // writeHead before end: Node sends this short body chunked, in one piece
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('short chunked body\n');
      return;
    case '/chunked':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Chunked': 'yes' });
      res.write('part one\n');
      setTimeout(() => res.end('part two\n'), 50);
      return;
    case '/big':
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(BIG_BODY.length) });
      res.end(BIG_BODY);
      return;
    case '/hop-response':
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Content-Length': '4',
        Connection: 'X-Hop',
        'X-Hop': '1',
        'Proxy-Connection': 'keep-alive',
        'X-Other': 'o',
      });
      res.end('hop\n');
      return;
    case '/code': {
      const code = Number(seen.query.get('c') ?? '200');
      res.writeHead(code, { 'X-Code': String(code) });
      res.end();
      return;
    }
    case '/echo':
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: seen.headers }));
      return;
    case '/status':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Status': '404 Nope', 'Grip-Foo': 'x', 'X-Kept': 'yes' });
      res.end(seen.query.get('empty') === '1' ? '' : 'status test\n');
      return;
    case '/bad':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'forever', 'Grip-Channel': ch });
      res.end('bad hold\n');
      return;
    case '/badtimeout':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Grip-Hold': 'response', 'Grip-Channel': ch, 'Grip-Timeout': 'soon' });
      res.end('bad timeout\n');
      return;
    case '/instruct': {
      const mode = seen.query.get('mode');
      const response = {
        code: 202,
        reason: 'Accepted',
        headers: { 'Content-Type': 'text/plain', 'X-Inner': 'inner' },
        body: 'instruct body\n',
      };
      if (mode === 'response') json(res, 200, { 'X-Outer': 'dropped' }, { response });
      else if (mode === 'empty') json(res, 200, { 'X-Outer': 'dropped' }, {});
      else if (mode === 'nobody') json(res, 200, { 'X-Outer': 'dropped' }, { response: { code: 203, headers: { 'X-Inner': 'inner' } } });
      else if (mode === 'emptybody') json(res, 200, { 'X-Outer': 'dropped' }, { response: { body: '' } });
      else if (mode === 'stream') json(res, 200, { 'X-Outer': 'dropped' }, { hold: { mode: 'stream', channels: [{ name: ch }] } });
      else json(res, 200, { 'X-Outer': 'dropped' }, { hold: { mode: 'response', channels: [{ name: ch }], timeout: 5 }, response });
      return;
    }
    case '/instruct201':
      json(res, 201, {}, { response: { body: 'never\n' } });
      return;
    case '/stream':
      res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Stream': 'yes', 'Grip-Hold': 'stream', 'Grip-Channel': ch });
      res.end('initial\n');
      return;
    case '/poll':
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'X-Timeout-Hdr': 'yes',
        'X-Drop': 'd',
        'Grip-Hold': 'response',
        'Grip-Channel': ch,
        'Grip-Timeout': seen.query.get('t') ?? '55',
      });
      res.end('timed out\n');
      return;
    case '/ka':
      res.writeHead(200, {
        'Content-Type': 'text/plain',
        'Grip-Hold': 'stream',
        'Grip-Channel': ch,
        'Grip-Keep-Alive': 'ka\\n; format=cstring; timeout=1',
      });
      res.end('start\n');
      return;
    default:
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('backend: no such path\n');
  }
}

/** Starts the backend on an ephemeral loopback port. */
export async function startConformanceBackend(): Promise<ConformanceBackend> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: groupHeaders(req.rawHeaders),
      };
      requests.push(seen);
      handle(req, res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    count: (path, params) =>
      requests.filter((r) => r.path === path && Object.entries(params).every(([k, v]) => r.query.get(k) === v)).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

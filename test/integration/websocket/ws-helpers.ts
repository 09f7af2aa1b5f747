import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { decodeWsEvents, encodeWsEvents, WS_EVENTS_CONTENT_TYPE, type WsEventType } from '../../../src/grip/websocket-events';

/** One WebSocket-over-HTTP request as the backend saw it. */
export interface WohRequest {
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** Events with their content as latin1 text (bytes preserved one char each). */
  events: Array<[string, string | undefined]>;
  cid: string;
}

/** What a scripted backend answers. `body` replaces the encoded events (to send garbage). */
export interface WohReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  events?: Array<{ type: WsEventType; content?: Buffer | string }>;
  body?: Buffer | string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export type WohHandler = (req: WohRequest) => WohReply;

export interface WohBackendServer {
  port: number;
  requests: WohRequest[];
  /** TCP connections the backend accepted so far. */
  readonly connections: number;
  /** Requests of one connection. */
  of(cid: string): WohRequest[];
  /** Resolves with the first request (of any connection, from index `from`) matching `pred`. */
  waitFor(pred: (r: WohRequest) => boolean, ms?: number, from?: number): Promise<WohRequest>;
  close(): Promise<void>;
}

/** A WebSocket-over-HTTP backend on loopback (`port` 0: an ephemeral one). */
export async function startWohBackend(handler: WohHandler, port = 0): Promise<WohBackendServer> {
  const requests: WohRequest[] = [];
  const waiters: Array<() => void> = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const decoded = decodeWsEvents(Buffer.concat(chunks));
      const events: Array<[string, string | undefined]> = decoded.ok ? decoded.value.map((e) => [e.type, e.content?.toString('latin1')]) : [['INVALID', undefined]];
      const r: WohRequest = { url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, events, cid: String(req.headers['connection-id']) };
      requests.push(r);
      for (const w of waiters.splice(0)) w();
      const reply = handler(r);
      const send = (): void => {
        const body =
          reply.body !== undefined
            ? reply.body
            : encodeWsEvents((reply.events ?? []).map((e) => ({ type: e.type, content: typeof e.content === 'string' ? Buffer.from(e.content) : e.content })));
        res.writeHead(reply.status ?? 200, { 'Content-Type': WS_EVENTS_CONTENT_TYPE, ...reply.headers });
        res.end(body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get connections() {
      return connections;
    },
    of: (cid) => requests.filter((r) => r.cid === cid),
    waitFor: (pred, ms = 5000, from = 0) =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`timed out waiting for a backend request; saw ${JSON.stringify(requests.map((r) => r.events))}`)), ms);
        const check = (): void => {
          const found = requests.slice(from).find(pred);
          if (found) {
            clearTimeout(timer);
            ok(found);
          } else waiters.push(check);
        };
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Received {
  data: Buffer;
  binary: boolean;
  text: string;
}

/** A real `ws` client with a message queue. */
export interface TestClient {
  ws: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  /** The 101's headers (after `opened`). */
  upgradeHeaders(): http.IncomingHttpHeaders;
  next(ms?: number): Promise<Received>;
  /** Messages received and not taken by `next` yet. */
  pending(): Received[];
  /** Resolves when nothing arrives for `ms` (rejects with what arrived otherwise). */
  quiet(ms?: number): Promise<void>;
}

export function connect(url: string, protocols?: string | string[], options: WebSocket.ClientOptions = {}): TestClient {
  const ws = new WebSocket(url, protocols, options);
  const queue: Received[] = [];
  const waiters: Array<() => void> = [];
  let upgrade: http.IncomingHttpHeaders = {};
  ws.on('upgrade', (res) => (upgrade = res.headers));
  ws.on('message', (data: Buffer, binary: boolean) => {
    queue.push({ data, binary, text: data.toString() });
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode ?? 0}`)));
    ws.once('close', () => reject(new Error('closed before open')));
  });
  opened.catch(() => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return {
    ws,
    opened,
    closed,
    upgradeHeaders: () => upgrade,
    pending: () => queue,
    next: (ms = 5000) =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('timed out waiting for a message')), ms);
        const check = (): void => {
          const m = queue.shift();
          if (m) {
            clearTimeout(timer);
            ok(m);
          } else waiters.push(check);
        };
        check();
      }),
    quiet: (ms = 300) =>
      new Promise((ok, fail) => {
        const before = queue.length;
        setTimeout(() => (queue.length === before ? ok() : fail(new Error(`unexpected messages: ${queue.map((m) => m.text).join(', ')}`))), ms);
      }),
  };
}

/** Opens a client and waits for the 101. */
export async function open(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions): Promise<TestClient> {
  const c = connect(url, protocols, options);
  await c.opened;
  return c;
}

/**
 * Opens a client to a route served by `scripted` and subscribes it to `channel`: resolves once the backend's
 * echo after the subscription came back (the subscribe control message is handled before it).
 */
export async function openSubscribed(url: string, channel: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
  const client = await open(url, undefined, options);
  client.ws.send(`sub:${channel}`);
  client.ws.send('echo:subscribed');
  const reply = await client.next();
  if (reply.text !== 'subscribed') throw new Error(`expected the echo after sub:${channel}, got ${JSON.stringify(reply.text)}`);
  return client;
}

/** `ws://` form of an `http://` proxy URL. */
export const wsUrl = (httpUrl: string, path: string): string => httpUrl.replace(/^http/, 'ws') + path;

/**
 * A scripted WebSocket-over-HTTP backend used by most tests: accepts OPEN in GRIP mode and reacts to
 * client texts: `echo:x` → `x`; `sub:ch` / `unsub:ch`; `close:<code>:<reason>`; `detach`; `bad` → a
 * malformed body; `meta:<name>:<value>` → Set-Meta header; `ctl:<json>` → that control message;
 * `raw:<text>` → text without prefix; `slow:<ms>` → answers after ms. BINARY is echoed with the prefix;
 * a client CLOSE is echoed.
 */
export function scripted(req: WohRequest): WohReply {
  const events: NonNullable<WohReply['events']> = [];
  const headers: Record<string, string> = {};
  let delayMs = 0;
  for (const [type, content] of req.events) {
    if (type === 'OPEN') {
      events.push({ type: 'OPEN' });
      headers['Sec-WebSocket-Extensions'] = 'grip';
      const protocol = req.headers['sec-websocket-protocol'];
      if (typeof protocol === 'string') headers['Sec-WebSocket-Protocol'] = protocol.split(',')[0]?.trim() ?? '';
      headers['X-Backend'] = 'scripted';
    } else if (type === 'TEXT' && content !== undefined) {
      const [cmd, ...rest] = content.split(':');
      const arg = rest.join(':');
      if (cmd === 'echo') events.push({ type: 'TEXT', content: `m:${arg}` });
      else if (cmd === 'sub') events.push({ type: 'TEXT', content: `c:${JSON.stringify({ type: 'subscribe', channel: arg })}` });
      else if (cmd === 'unsub') events.push({ type: 'TEXT', content: `c:${JSON.stringify({ type: 'unsubscribe', channel: arg })}` });
      else if (cmd === 'detach') events.push({ type: 'TEXT', content: 'c:{"type":"detach"}' });
      else if (cmd === 'ctl') events.push({ type: 'TEXT', content: `c:${arg}` });
      else if (cmd === 'raw') events.push({ type: 'TEXT', content: arg });
      else if (cmd === 'bad') return { body: 'TEXT zz\r\nnope\r\n' };
      else if (cmd === 'meta') {
        const [name, ...value] = arg.split(':');
        headers[`Set-Meta-${name ?? ''}`] = value.join(':');
        events.push({ type: 'TEXT', content: 'm:meta set' });
      } else if (cmd === 'close') {
        const [code, ...reason] = arg.split(':');
        const payload = Buffer.alloc(2);
        payload.writeUInt16BE(Number(code));
        events.push({ type: 'CLOSE', content: Buffer.concat([payload, Buffer.from(reason.join(':'))]) });
      } else if (cmd === 'slow') delayMs = Number(arg);
    } else if (type === 'BINARY' && content !== undefined) {
      events.push({ type: 'BINARY', content: Buffer.concat([Buffer.from('m:'), Buffer.from(content, 'latin1')]) });
    } else if (type === 'PING') {
      events.push({ type: 'PONG', content: content === undefined ? undefined : Buffer.from(content, 'latin1') });
    } else if (type === 'CLOSE') {
      events.push({ type: 'CLOSE', content: content === undefined ? undefined : Buffer.from(content, 'latin1') });
    }
  }
  return { headers, events, delayMs };
}

/**
 * The bench's backend, run as a child process (`fork`) so that it does not share a CPU with the load
 * generator. Listens on 127.0.0.1 and answers:
 *   GET /stream/<channel>  a GRIP stream hold on <channel> (text/event-stream, empty body)
 *   GET /ka/<channel>      the same with `Grip-Keep-Alive: :ka\n\n; format=cstring; timeout=1`
 *   POST with Content-Type application/websocket-events (WebSocket-over-HTTP, route `over_http`):
 *                          `OPEN` is accepted in GRIP mode and the connection subscribed to the channel of
 *                          its path /ws/<channel> (see ws-events.ts); `CLOSE` is echoed; the rest is ignored
 *   anything else          200 "ok\n" (Content-Length 3), for pass-through throughput
 * It reports `{ type: 'ready', port }` over IPC, answers `{ type: 'stats' }` with its request count, and
 * exits when its parent goes away.
 */
import http from 'node:http';
import { backendReply, WS_EVENTS_TYPE } from './ws-events';

let requests = 0;

const OK_BODY = Buffer.from('ok\n');
const KEEP_ALIVE = ':ka\\n\\n; format=cstring; timeout=1';
/** Pushpin's own limit on a WebSocket-over-HTTP body. */
const MAX_EVENTS_BODY = 1_000_000;

/** Answers a WebSocket-over-HTTP request once its whole body is in. */
function handleWsEvents(req: http.IncomingMessage, res: http.ServerResponse): void {
  const parts: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_EVENTS_BODY) parts.push(chunk);
  });
  req.on('end', () => {
    const reply = size > MAX_EVENTS_BODY ? undefined : backendReply(req.url ?? '/', Buffer.concat(parts));
    if (!reply || !reply.ok) {
      const text = Buffer.from(`${reply ? reply.error.message : 'body too large'}\n`);
      res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': String(text.length) });
      res.end(text);
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': WS_EVENTS_TYPE, 'Content-Length': String(reply.value.body.length) };
    if (reply.value.grip) headers['Sec-WebSocket-Extensions'] = 'grip';
    res.writeHead(200, headers);
    res.end(reply.value.body);
  });
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  requests++;
  const url = req.url ?? '/';
  if (req.method === 'POST' && req.headers['content-type'] === WS_EVENTS_TYPE) return handleWsEvents(req, res);
  const stream = url.startsWith('/stream/');
  const ka = url.startsWith('/ka/');
  if (stream || ka) {
    const channel = url.slice(stream ? 8 : 4);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'text/event-stream',
      'Grip-Hold': 'stream',
      'Grip-Channel': channel,
      'Content-Length': '0',
    };
    if (ka) headers['Grip-Keep-Alive'] = KEEP_ALIVE;
    res.writeHead(200, headers);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(OK_BODY.length) });
  res.end(OK_BODY);
}

function main(): void {
  const port = Number(process.argv[2] ?? '0');
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0 }, handle);
  server.maxConnections = 18_000;
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ type: 'ready', port: typeof address === 'object' && address ? address.port : port });
  });
  process.on('message', (msg: { type?: string }) => {
    if (msg.type === 'stats') process.send?.({ type: 'stats', requests });
  });
  process.on('disconnect', () => process.exit(0));
  // A backstop: no bench run lasts an hour.
  setTimeout(() => process.exit(0), 3_600_000).unref();
}

if (require.main === module) main();

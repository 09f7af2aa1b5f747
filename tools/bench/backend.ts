/**
 * The bench's backend, run as a child process (`fork`) so that it does not share a CPU with the load
 * generator. Listens on 127.0.0.1 and answers:
 *   GET /stream/<channel>  a GRIP stream hold on <channel> (text/event-stream, empty body)
 *   GET /ka/<channel>      the same with `Grip-Keep-Alive: :ka\n\n; format=cstring; timeout=1`
 *   anything else          200 "ok\n" (Content-Length 3), for pass-through throughput
 * It reports `{ type: 'ready', port }` over IPC, answers `{ type: 'stats' }` with its request count, and
 * exits when its parent goes away.
 */
import http from 'node:http';

let requests = 0;

const OK_BODY = Buffer.from('ok\n');
const KEEP_ALIVE = ':ka\\n\\n; format=cstring; timeout=1';

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  requests++;
  const url = req.url ?? '/';
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

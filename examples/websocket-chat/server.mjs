// A chat room backend over WebSocket-over-HTTP, written with the official GRIP libraries
// (@fanoutio/serve-grip and @fanoutio/grip) exactly as it would be for Pushpin. Clients speak real
// WebSocket to Thumbtack; this app only sees short HTTP POSTs and keeps no connection state.
//
// Route it with `over_http`, for example:   * 127.0.0.1:8000,over_http
// (WebSocket clients become WebSocket-over-HTTP; plain HTTP requests on the same route pass through.)
//
//   GET /?room=lobby            the browser page (index.html): a WebSocket and an EventSource to this room
//   WebSocket /chat?room=lobby  the chat itself; clients send text:
//       /nick <name>   sets the sender name (kept by the proxy as connection meta, `Set-Meta-User`)
//       /kick          closes every connection of the room with code 4000 (a published `close`)
//       anything else  is published to the room with @fanoutio/grip's Publisher, both as a
//                      WebSocketMessageFormat and as an HttpStreamFormat (a Server-Sent Event)
//   GET /events?room=lobby      the room as Server-Sent Events (a GRIP stream hold, receive only)
//
// Environment: PORT (default 8000), GRIP_URL (default http://127.0.0.1:5561/?key=changeme), the publish
// endpoint plus the key that verifies Grip-Sig (Thumbtack's sig_key).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { ServeGrip } from '@fanoutio/serve-grip';
import { HttpStreamFormat, WebSocketMessageFormat } from '@fanoutio/grip';

const port = Number(process.env.PORT ?? 8000);
const page = readFileSync(new URL('./index.html', import.meta.url));
const serveGrip = new ServeGrip({
  grip: process.env.GRIP_URL ?? 'http://127.0.0.1:5561/?key=changeme',
  gripProxyRequired: true,
});

/** One Server-Sent Event carrying `text` (one `data:` line per line of text). */
function sseEvent(text) {
  return `event: message\ndata: ${text.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n`;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const room = url.searchParams.get('room') || 'lobby';

  // The page is static: served to anyone (through the proxy it is an ordinary passed-through response).
  if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(page);
    return;
  }

  if (!(await serveGrip.run(req, res))) return; // serve-grip already answered (e.g. not via a GRIP proxy)

  if (req.method === 'GET' && url.pathname === '/events') {
    // Hold the response open as a stream subscribed to the room; published HttpStreamFormat items are
    // appended to it. The body below is sent first; the keep-alive is an SSE comment every 20 s.
    const instruct = res.grip.startInstruct();
    instruct.addChannel(room);
    instruct.setHoldStream();
    instruct.setKeepAlive(':\n\n', 20);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.end(sseEvent(`joined ${room}`));
    return;
  }

  const ws = req.grip.wsContext;
  if (!ws) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Connect with a WebSocket through the GRIP proxy.\n');
    return;
  }
  if (ws.isOpening()) {
    ws.accept(); // answers OPEN and turns GRIP mode on (Sec-WebSocket-Extensions: grip)
    ws.subscribe(room); // a `c:{"type":"subscribe",...}` control message
  }
  const publisher = serveGrip.getPublisher();
  try {
    while (ws.canRecv()) {
      const message = ws.recv();
      if (message === null) {
        ws.close(); // the client closed: answer with a CLOSE
        break;
      }
      if (message.startsWith('/nick ')) {
        ws.meta.user = message.slice(6).trim();
        ws.send(`you are ${ws.meta.user}`);
      } else if (message === '/kick') {
        await publisher.publishFormats(room, new WebSocketMessageFormat(null, true, 4000));
      } else {
        const line = `${ws.meta.user ?? 'anonymous'}: ${message}`;
        await publisher.publishFormats(room, [new WebSocketMessageFormat(line), new HttpStreamFormat(sseEvent(line))]);
      }
    }
  } catch (err) {
    // recv() throws when the client vanished (DISCONNECT): nothing to answer.
    if (!String(err?.message ?? err).includes('disconnected')) console.error(err);
  }
  res.end();
});

server.listen(port, '127.0.0.1', () => {
  console.log(`websocket chat backend listening on http://127.0.0.1:${server.address().port}`);
});

// A chat room backend over WebSocket-over-HTTP, written with the official GRIP libraries
// (@fanoutio/serve-grip and @fanoutio/grip) exactly as it would be for Pushpin. Clients speak real
// WebSocket to Thumbtack; this app only sees short HTTP POSTs and keeps no connection state.
//
// Route it with `over_http`, for example:   * 127.0.0.1:8000,over_http
// Clients connect to ws://<thumbtack>/chat?room=lobby and send text:
//   /nick <name>   sets the sender name (kept by the proxy as connection meta, `Set-Meta-User`)
//   /kick          closes every connection of the room with code 4000 (a published `close`)
//   anything else  is published to the room with @fanoutio/grip's Publisher and WebSocketMessageFormat
//
// Environment: PORT (default 8000), GRIP_URL (default http://127.0.0.1:5561/?key=changeme), the publish
// endpoint plus the key that verifies Grip-Sig (Thumbtack's sig_key).
import http from 'node:http';
import { ServeGrip } from '@fanoutio/serve-grip';
import { WebSocketMessageFormat } from '@fanoutio/grip';

const port = Number(process.env.PORT ?? 8000);
const serveGrip = new ServeGrip({
  grip: process.env.GRIP_URL ?? 'http://127.0.0.1:5561/?key=changeme',
  gripProxyRequired: true,
});

const server = http.createServer(async (req, res) => {
  if (!(await serveGrip.run(req, res))) return; // serve-grip already answered (e.g. not via a GRIP proxy)
  const ws = req.grip.wsContext;
  if (!ws) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Connect with a WebSocket through the GRIP proxy.\n');
    return;
  }
  const room = new URL(req.url ?? '/', 'http://localhost').searchParams.get('room') ?? 'lobby';
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
        await publisher.publishFormats(room, new WebSocketMessageFormat(`${ws.meta.user ?? 'anonymous'}: ${message}`));
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

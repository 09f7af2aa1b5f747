#!/usr/bin/env node
'use strict';
/**
 * The smallest GRIP backend, with no dependencies: Thumbtack (or Pushpin) forwards requests here and holds
 * the client connections these headers ask for.
 *
 *   GET /stream?channel=news   Server-Sent Events on a channel (Grip-Hold: stream)
 *   GET /poll?channel=news     long-poll, answered by the next publish or after 20 s (Grip-Hold: response)
 *   GET /                      a plain page, passed through untouched
 *
 * Usage: node examples/hello/backend.js [port]   (default 8000)
 */
const http = require('node:http');

const port = Number(process.argv[2] || process.env.PORT || 8000);

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://backend');
  const channel = url.searchParams.get('channel') || 'news';
  if (url.pathname === '/stream') {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Grip-Hold': 'stream',
      'Grip-Channel': channel,
      'Grip-Keep-Alive': ':\\n\\n; format=cstring; timeout=20',
    });
    res.end(`event: message\ndata: stream open on ${channel}\n\n`);
    return;
  }
  if (url.pathname === '/poll') {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Grip-Hold': 'response',
      'Grip-Channel': channel,
      'Grip-Timeout': '20',
    });
    res.end(JSON.stringify({ channel, messages: [] }) + '\n');
    return;
  }
  if (url.pathname === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('Hello from the example backend. Try /stream?channel=news through the proxy.\n');
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`example backend listening on http://127.0.0.1:${server.address().port}\n`);
});

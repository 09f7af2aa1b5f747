#!/usr/bin/env node
'use strict';
/**
 * A live-updating feed served as SSE, with no dependencies: the page at `/` shows a list that grows as
 * items are posted. The backend holds nothing: `/events` answers with GRIP headers and Thumbtack keeps the
 * browser's EventSource open; `POST /post` publishes the item (with an id, so a browser that reconnects
 * with Last-Event-ID gets what it missed when history is on).
 *
 *   node examples/live-feed/server.js [port] [publish URL]   (defaults: 8000, http://127.0.0.1:5561)
 */
const http = require('node:http');

const port = Number(process.argv[2] || process.env.PORT || 8000);
const publishUrl = process.argv[3] || process.env.PUBLISH_URL || 'http://127.0.0.1:5561';
let lastId = 0;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Live feed</title>
<style>body{font:16px system-ui;margin:2em}li{margin:.3em 0}#status{color:#666}</style></head>
<body><h1>Live feed</h1><p id="status">connecting…</p>
<form id="f"><input id="text" placeholder="say something" autocomplete="off"><button>Post</button></form>
<ul id="feed"></ul>
<script>
const feed = document.getElementById('feed');
const source = new EventSource('/events');
source.onopen = () => (document.getElementById('status').textContent = 'live');
source.addEventListener('item', (e) => {
  const li = document.createElement('li');
  li.className = 'item';
  li.textContent = JSON.parse(e.data).text;
  feed.prepend(li);
});
source.addEventListener('stream-reset', () => location.reload());
document.getElementById('f').onsubmit = (e) => {
  e.preventDefault();
  const input = document.getElementById('text');
  fetch('/post', { method: 'POST', body: input.value });
  input.value = '';
};
</script></body></html>
`;

function publish(text) {
  lastId += 1;
  const id = String(lastId);
  const sse = `event: item\nid: ${id}\ndata: ${JSON.stringify({ text })}\n\n`;
  const body = JSON.stringify({
    items: [{ channel: 'feed', id, 'prev-id': lastId > 1 ? String(lastId - 1) : undefined, formats: { 'http-stream': { content: sse } } }],
  });
  return new Promise((resolve, reject) => {
    const req = http.request(`${publishUrl}/publish/`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`publish answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  } else if (req.method === 'GET' && req.url === '/events') {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'Grip-Hold': 'stream',
      'Grip-Channel': 'feed',
      'Grip-Keep-Alive': ':\\n\\n; format=cstring; timeout=20',
    });
    res.end(': connected\n\n');
  } else if (req.method === 'POST' && req.url === '/post') {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      publish(text.slice(0, 500) || '(empty)').then(
        () => {
          res.writeHead(204);
          res.end();
        },
        (err) => {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
          res.end(`${err.message}\n`);
        },
      );
    });
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  }
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`live feed backend listening on http://127.0.0.1:${server.address().port}\n`));

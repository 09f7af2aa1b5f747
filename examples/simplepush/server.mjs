// A SimplePush server as a stateless HTTP backend behind Thumbtack (or Pushpin).
//
// Devices hold a WebSocket to the proxy; this process only sees WebSocket-over-HTTP requests (served with
// @fanoutio/serve-grip), answers them from Redis, and holds no connection of its own. After `hello` each
// connection is subscribed to its device's channel (`simplepush-<uaid>`), so an application server's
// `PUT /update/<token>` is one Redis script plus one `ws-message` published to that channel (through the
// proxy's HTTP publish API, batched: publisher.mjs). Connection meta kept by the proxy (`Set-Meta-Uaid`,
// `Set-Meta-Seq`) tells later requests which device they are and which updates it has seen.
//
// Route it with `over_http`:   * 127.0.0.1:8010,over_http
//
// Environment:
//   PORT           listen port (default 8010, on 127.0.0.1)
//   REDIS_URL      default redis://127.0.0.1:6379
//   REDIS_PREFIX   key prefix (default sp:)
//   GRIP_URL       publish endpoint + the key verifying Grip-Sig (default http://127.0.0.1:5561/?key=changeme)
//   PUBLIC_URL     base of push endpoints (default: http://<Host of the device's handshake>)
//   CHANNEL_PREFIX GRIP channel prefix (default simplepush-)
//   SYNC_INTERVAL  seconds: the proxy asks on behalf of an idle device this often, so an update that raced
//                  its hello is still delivered (Keep-Alive-Interval; default 60, at least 20)
//   LOG_LEVEL      error | warn | info (default) | debug
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ServeGrip } from '@fanoutio/serve-grip';
import { openStore, isToken } from './store.mjs';
import { createPublisher } from './publisher.mjs';
import {
  decodeMessage,
  errorReply,
  helloReply,
  isUaid,
  notification,
  registerReply,
  unregisterReply,
  updateVersion,
} from './protocol.mjs';

const env = process.env;
const port = Number(env.PORT ?? 8010);
const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
const channelPrefix = env.CHANNEL_PREFIX ?? 'simplepush-';
const publicUrl = env.PUBLIC_URL?.replace(/\/+$/, '');
const syncInterval = Math.max(20, Number(env.SYNC_INTERVAL ?? 60) || 60);
const MAX_PUT_BODY = 4096;

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 };
const logLevel = LEVELS[env.LOG_LEVEL ?? 'info'] ?? 2;
/** One log line: `simplepush <level> <message> key=value ...` (warnings and errors on stderr). */
function log(level, message, fields = {}) {
  if (LEVELS[level] > logLevel) return;
  const kv = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  const line = `simplepush ${level} ${message}${kv.length ? ' ' + kv.join(' ') : ''}\n`;
  (LEVELS[level] <= 1 ? process.stderr : process.stdout).write(line);
}

const gripUrl = env.GRIP_URL ?? 'http://127.0.0.1:5561/?key=changeme';
const serveGrip = new ServeGrip({ grip: gripUrl, gripProxyRequired: true });
const publisher = createPublisher(gripUrl);
const channelOf = (uaid) => channelPrefix + uaid;

let store;
try {
  store = await openStore(redisUrl, { prefix: env.REDIS_PREFIX ?? 'sp:' });
} catch (err) {
  log('error', `cannot start: ${err.message}`);
  process.exit(1);
}

/** Reads a request body up to `limit` bytes; resolves null when it is larger. */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

/** `PUT /update/<token>` from an application server: store the version, then publish it to the device. */
async function handleUpdate(req, res, url) {
  const token = url.pathname.slice('/update/'.length);
  if (req.method !== 'PUT') {
    log('warn', 'endpoint: method not allowed', { method: req.method ?? '' });
    return sendJson(res, 405, '"Method Not Allowed"', { Allow: 'PUT' });
  }
  const body = await readBody(req, MAX_PUT_BODY);
  if (body === null) {
    log('warn', 'endpoint: body too large');
    return sendJson(res, 413, `"Body exceeds ${MAX_PUT_BODY} bytes"`);
  }
  const version = updateVersion(body, url.searchParams, Math.floor(Date.now() / 1000));
  if (!version.ok) {
    log('warn', 'endpoint: invalid version', { body: body.slice(0, 100) });
    return sendJson(res, 400, '"Invalid Version"');
  }
  const updated = isToken(token) ? await store.update(token, version.version) : null;
  if (updated === null) {
    log('warn', 'endpoint: unknown token', { token: token.slice(0, 40) });
    return sendJson(res, 404, '"Invalid Token"');
  }
  const message = notification([{ channelID: updated.channelID, version: version.version }]);
  try {
    await publisher.publishWsMessage(channelOf(updated.uaid), message);
  } catch (err) {
    // Stored: the device gets it on its next hello (or sync). Like pushgo, 202 = accepted, not routed.
    log('warn', 'endpoint: publish failed; update stored for the next hello', { uaid: updated.uaid, error: err?.message ?? String(err) });
    return sendJson(res, 202, '{}');
  }
  log('debug', 'update', { uaid: updated.uaid, channelID: updated.channelID, version: version.version, seq: updated.seq });
  sendJson(res, 200, '{}');
}

/**
 * One WebSocket-over-HTTP request: the device's messages in order, then a sync that acks what was
 * acknowledged and re-sends what this connection has not seen (the proxy keeps `uaid` and `seq` as meta).
 */
async function handleSocket(req, res, ws) {
  const cid = ws.id;
  if (ws.isOpening()) {
    ws.accept(); // GRIP mode: our replies carry the m: prefix, control messages c:
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (offered.includes('push-notification')) res.setHeader('Sec-WebSocket-Protocol', 'push-notification');
    res.setHeader('Keep-Alive-Interval', String(syncInterval));
  }
  // `failed`: a Redis call of this request failed already; the closing sync is skipped (it would too).
  const session = { uaid: isUaid(ws.meta.uaid) ? ws.meta.uaid : null, seq: Number(ws.meta.seq ?? 0) || 0, acks: [], failed: false };
  const host = req.headers.host ?? `127.0.0.1:${port}`;
  const endpointBase = `${publicUrl ?? `http://${host}`}/update/`;
  let closing = false;
  try {
    while (ws.canRecv()) {
      const text = ws.recv();
      if (text === null) {
        ws.close(ws.closeCode ?? 1000); // the device closed: echo its close
        closing = true;
        break;
      }
      await handleMessage(ws, session, text, endpointBase, cid);
    }
    if (session.uaid !== null && !session.failed && (!closing || session.acks.length > 0)) {
      const { seq, updates } = await store.sync(session.uaid, session.seq, session.acks);
      session.acks = [];
      if (updates.length > 0 && !closing) {
        ws.send(notification(updates));
        log('debug', 'sync re-sent updates', { cid, uaid: session.uaid, count: updates.length });
      }
      session.seq = seq;
    }
  } catch (err) {
    if (String(err?.message).includes('disconnected')) return res.end(); // DISCONNECT: the reply is ignored
    log('error', 'socket request failed', { cid, error: err?.message ?? String(err) });
  }
  if (session.uaid !== null) {
    ws.meta.uaid = session.uaid;
    ws.meta.seq = String(session.seq);
  }
  res.end();
}

async function handleMessage(ws, session, text, endpointBase, cid) {
  const decoded = decodeMessage(text);
  if (!decoded.ok) {
    log('warn', `bad message: ${decoded.reason}`, { cid, text: text.slice(0, 200) });
    ws.send(decoded.reply);
    return;
  }
  const msg = decoded.msg;
  if (msg.type === 'ping') {
    ws.send('{}');
    return;
  }
  if (msg.type === 'hello') return hello(ws, session, msg, cid);
  if (session.uaid === null) {
    log('warn', `bad message: ${msg.type} before hello`, { cid });
    ws.send(errorReply(msg.type, 401, 'Hello required', msg.channelID ? { channelID: msg.channelID } : {}));
    return;
  }
  try {
    if (msg.type === 'register') {
      const token = await store.register(session.uaid, msg.channelID);
      if (token === null) throw new Error('device not found in Redis');
      ws.send(registerReply(msg.channelID, endpointBase + token));
      log('debug', 'register', { cid, uaid: session.uaid, channelID: msg.channelID });
    } else if (msg.type === 'unregister') {
      await store.unregister(session.uaid, msg.channelID);
      ws.send(unregisterReply(msg.channelID));
      log('debug', 'unregister', { cid, uaid: session.uaid, channelID: msg.channelID });
    } else if (msg.type === 'ack') {
      session.acks.push(...msg.updates); // applied by the sync that ends this request
    }
  } catch (err) {
    session.failed = true;
    log('error', `${msg.type} failed`, { cid, uaid: session.uaid, error: err?.message ?? String(err) });
    ws.send(errorReply(msg.type, 500, 'Internal server error', msg.channelID ? { channelID: msg.channelID } : {}));
  }
}

/**
 * hello: the connection's device (a second hello keeps it, as pushgo did), else the given uaid if Redis
 * knows it, else a new one. Subscribes the connection to the device's channel, then sends every
 * unacknowledged update.
 */
async function hello(ws, session, msg, cid) {
  try {
    if (session.acks.length > 0 && session.uaid !== null) {
      await store.sync(session.uaid, Number.MAX_SAFE_INTEGER, session.acks);
      session.acks = [];
    }
    let uaid = session.uaid ?? (isUaid(msg.uaid) ? msg.uaid : null);
    let state = uaid === null ? null : await store.hello(uaid, false, Date.now());
    if (state === null) {
      uaid = randomUUID();
      state = await store.hello(uaid, true, Date.now());
      log('debug', 'new device', { cid, uaid, asked: msg.uaid.slice(0, 64) });
    }
    if (uaid !== session.uaid) {
      if (session.uaid !== null) ws.unsubscribe(channelOf(session.uaid)); // its device vanished from Redis
      ws.subscribe(channelOf(uaid));
    }
    session.uaid = uaid;
    session.seq = state.seq;
    ws.send(helloReply(uaid));
    if (state.pending.length > 0) ws.send(notification(state.pending));
    log('debug', 'hello', { cid, uaid, pending: state.pending.length });
  } catch (err) {
    session.failed = true;
    log('error', 'hello failed', { cid, error: err?.message ?? String(err) });
    ws.send(errorReply('hello', 503, 'Service Unavailable'));
  }
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/update/')) return await handleUpdate(req, res, url);
    if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, '{"ok":true}');
    if (!(await serveGrip.run(req, res))) return; // not through the GRIP proxy, or a bad events body: answered
    const ws = req.grip.wsContext;
    if (ws) return await handleSocket(req, res, ws);
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('SimplePush: connect a WebSocket to / through the proxy; application servers PUT to /update/<token>.\n');
  } catch (err) {
    log('error', 'request failed', { url: req.url ?? '', error: err?.message ?? String(err) });
    if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end();
  }
});
server.keepAliveTimeout = 65_000;

/** Stops taking requests, lets the ones in flight finish (bounded), then closes Redis. */
function shutdown(signal) {
  log('info', 'stopping', { signal });
  setTimeout(() => process.exit(0), 5000).unref();
  server.close(() => store.close().finally(() => process.exit(0)));
  server.closeIdleConnections();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));

server.listen(port, '127.0.0.1', () => {
  log('info', `simplepush backend listening on http://127.0.0.1:${server.address().port}`, { redis: redisUrl });
});

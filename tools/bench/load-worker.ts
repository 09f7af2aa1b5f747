/**
 * One load-generator process (`fork`ed by the fleet). It holds raw TCP client sockets (lighter than
 * node:http or the ws package) bound to its own source address (127.0.0.2, 127.0.0.3, …) so that the fleet
 * gets past the ephemeral port range, and answers IPC commands (see `WorkerCommand`) with one reply each.
 * Held streams are SSE responses or WebSockets (`kind`). It exits when its parent goes away, and every loop
 * it runs has a deadline.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WorkerCommand, WorkerReply, OpenResult, CollectResult, HttpLoadResult } from './worker-protocol';
import { READ_BUFFER } from './read-buffer';
import { runLane } from './request-lane';
import { getRequest, KEEP_ALIVE_MARKER, MarkerCounter, messageStamp, postJsonRequest, publishBody, StampScanner } from './wire';
import { checkUpgradeHead, encodeClientFrame, OPCODE, upgradeRequest, WsFrameDecoder, type WsMessage } from './ws-frames';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

/** The Sec-WebSocket-Key of this process's WebSockets (servers only hash it; one per process is enough). */
const WS_KEY = randomBytes(16).toString('base64');

interface StreamConn {
  socket: net.Socket;
  established: boolean;
  /** SSE streams: stamps and keep-alive markers in the body. */
  stamps?: StampScanner;
  marks?: MarkerCounter;
  /** WebSockets: the response head so far (until established), then the frame decoder. */
  head?: string;
  frames?: WsFrameDecoder;
}

const streams: StreamConn[] = [];
let alive = 0;
let closedAfterEstablished = 0;
let deliveries = 0;
let keepAlives = 0;
let latencies: number[] = [];
let firstArrival = Infinity;
let lastArrival = 0;

function markEstablished(conn: StreamConn): void {
  conn.established = true;
  alive++;
  conn.socket.emit('bench-established');
}

function recordStamp(t: number, stamp: number): void {
  latencies.push(t - stamp);
  deliveries++;
  if (t < firstArrival) firstArrival = t;
  if (t > lastArrival) lastArrival = t;
}

function onStreamData(conn: StreamConn, chunk: string): void {
  let text = chunk;
  if (!conn.established) {
    if (!text.startsWith('HTTP/1.1 200') && !text.startsWith('HTTP/1.0 200')) {
      conn.socket.destroy(new Error(`status line ${JSON.stringify(text.slice(0, 20))}`));
      return;
    }
    markEstablished(conn);
    const end = text.indexOf('\r\n\r\n');
    text = end >= 0 ? text.slice(end + 4) : '';
  }
  if (text.length === 0) return;
  const t = now();
  for (const stamp of (conn.stamps as StampScanner).feed(text)) recordStamp(t, stamp);
  keepAlives += (conn.marks as MarkerCounter).feed(text);
}

/** A masked client frame with a fresh mask. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  return encodeClientFrame(opcode, payload, randomBytes(4));
}

function onWsData(conn: StreamConn, chunk: Buffer): void {
  if (!conn.established) {
    const head = (conn.head ?? '') + chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      conn.head = head;
      if (head.length > 16_384) conn.socket.destroy(new Error('upgrade response head over 16 KiB'));
      return;
    }
    conn.head = undefined;
    const why = checkUpgradeHead(head.slice(0, end), WS_KEY);
    if (why !== undefined) {
      conn.socket.destroy(new Error(why));
      return;
    }
    conn.frames = new WsFrameDecoder();
    markEstablished(conn);
    chunk = Buffer.from(head.slice(end + 4), 'latin1');
    if (chunk.length === 0) return;
  }
  let messages: WsMessage[];
  try {
    messages = (conn.frames as WsFrameDecoder).feed(chunk);
  } catch (err) {
    conn.socket.destroy(err as Error);
    return;
  }
  const t = now();
  for (const m of messages) {
    if (m.opcode === OPCODE.text || m.opcode === OPCODE.binary) {
      const stamp = messageStamp(m.payload.toString('latin1'));
      if (stamp !== undefined) recordStamp(t, stamp);
      else keepAlives++;
    } else if (m.opcode === OPCODE.ping) {
      conn.socket.write(clientFrame(OPCODE.pong, m.payload));
    } else if (m.opcode === OPCODE.close) {
      // Answer the close handshake; the server then ends the TCP connection (counted as a drop).
      conn.socket.end(clientFrame(OPCODE.close, m.payload.subarray(0, 2)));
    }
  }
}

/**
 * Source ports are chosen here, not by the kernel. With a bound source address, the kernel's own choice
 * (bind to port 0) searches the port range past every port in use or in TIME_WAIT on that address: after
 * a few runs that cost ~4 ms of CPU per connection, and the load generator, not the proxy, set the pace.
 * An explicit port is a direct lookup. The fleet gives each run fresh addresses (see fleet.ts), so the
 * ports are free; one that is not (EADDRINUSE) is skipped.
 */
const FIRST_SOURCE_PORT = 10_000;
const LAST_SOURCE_PORT = 65_000;
let nextSourcePort = FIRST_SOURCE_PORT;

function takeSourcePort(): number {
  const port = nextSourcePort;
  nextSourcePort = nextSourcePort >= LAST_SOURCE_PORT ? FIRST_SOURCE_PORT : nextSourcePort + 1;
  return port;
}

function open(cmd: Extract<WorkerCommand, { type: 'open' }>): Promise<OpenResult> {
  const startedAt = now();
  let next = 0;
  let pending = 0;
  let established = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let establishedAtFirstFailure = -1;
  let lastEstablishedAt = startedAt;
  const ws = cmd.kind === 'ws';
  const connectMs: number[] = [];
  const request = (i: number): Buffer => {
    const path = `${cmd.pathPrefix}${cmd.channelPrefix}${(cmd.offset + i) % cmd.channels}`;
    return ws ? upgradeRequest(path, cmd.hostHeader, WS_KEY) : getRequest(path, cmd.hostHeader);
  };
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      const result: OpenResult = { established, failed, firstFailure, establishedAtFirstFailure, startedAt, lastEstablishedAt, elapsedMs: lastEstablishedAt - startedAt };
      if (cmd.timings) result.connectMs = connectMs;
      resolve(result);
    };
    const deadline = setTimeout(finish, cmd.deadlineMs);
    const start = (i: number, attempt: number): void => {
        // SSE bytes are decoded to text at once; WebSocket bytes are copied (the decoder keeps partial frames).
        const onread = {
          buffer: READ_BUFFER,
          callback: (nread: number, buf: Uint8Array): boolean => {
            if (ws) onWsData(conn, Buffer.from(buf.subarray(0, nread)));
            else onStreamData(conn, READ_BUFFER.toString('latin1', 0, nread));
            return true;
          },
        };
        const socket = net.connect({ host: '127.0.0.1', port: cmd.port, localAddress: cmd.localAddress, localPort: takeSourcePort(), onread });
        const conn: StreamConn = ws ? { socket, established: false } : { socket, established: false, stamps: new StampScanner(), marks: new MarkerCounter(KEEP_ALIVE_MARKER) };
        streams.push(conn);
        const connectAt = cmd.timings ? now() : 0;
        let settled = false;
        let connected = false;
        const settle = (ok: boolean, why?: string): void => {
          if (settled) return;
          settled = true;
          if (!ok && !connected && why === 'EADDRINUSE' && attempt < 20) {
            // That source port is taken on this address: the same stream again on the next port.
            streams.splice(streams.indexOf(conn), 1);
            start(i, attempt + 1);
            return;
          }
          pending--;
          if (ok) {
            established++;
            lastEstablishedAt = now();
            if (cmd.timings) connectMs.push(lastEstablishedAt - connectAt);
          } else {
            failed++;
            if (firstFailure === undefined) {
              firstFailure = why ?? 'closed';
              establishedAtFirstFailure = established;
            }
          }
          if (established + failed >= cmd.count) finish();
          else pump();
        };
        socket.setNoDelay(true);
        socket.once('connect', () => {
          connected = true;
          socket.write(request(i));
        });
        socket.once('bench-established', () => settle(true));
        socket.on('error', (err: Error) => settle(false, (err as NodeJS.ErrnoException).code ?? err.message));
        socket.on('close', () => {
          if (conn.established) {
            alive--;
            closedAfterEstablished++;
          }
          settle(false, 'closed by peer');
        });
    };
    const pump = (): void => {
      while (!finished && pending < cmd.maxPending && next < cmd.count) {
        pending++;
        start(next++, 0);
      }
      if (cmd.count === 0) finish();
    };
    pump();
  });
}

function collect(reset: boolean): CollectResult {
  const result: CollectResult = {
    deliveries,
    keepAlives,
    alive,
    closed: closedAfterEstablished,
    firstArrival: Number.isFinite(firstArrival) ? firstArrival : 0,
    lastArrival,
    latencies: reset ? latencies : [],
  };
  if (reset) {
    latencies = [];
    deliveries = 0;
    keepAlives = 0;
    firstArrival = Infinity;
    lastArrival = 0;
  }
  return result;
}

function httpLoad(cmd: Extract<WorkerCommand, { type: 'http-load' }>): Promise<HttpLoadResult> {
  const startedAt = now();
  const endAt = startedAt + cmd.durationMs;
  let ok2xx = 0;
  let other = 0;
  let errors = 0;
  let lastDone = startedAt;
  let lanes = cmd.concurrency;
  const request = (): Buffer | undefined => {
    if (now() >= endAt) return undefined;
    return cmd.method === 'POST'
      ? postJsonRequest(cmd.path, cmd.hostHeader, publishBody(cmd.channel ?? 'bench', now()))
      : getRequest(cmd.path, cmd.hostHeader);
  };
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      resolve({ ok: ok2xx, other, errors, elapsedMs: lastDone - startedAt });
    };
    const deadline = setTimeout(finish, cmd.durationMs + 10_000);
    for (let c = 0; c < cmd.concurrency; c++) {
      runLane({
        port: cmd.port,
        // Publish connections are short-lived (Connection: close): let connect() pick and reuse ports.
        localAddress: cmd.method === 'GET' ? cmd.localAddress : undefined,
        next: request,
        onResponse: (status) => {
          lastDone = now();
          if (status >= 200 && status < 300) ok2xx++;
          else other++;
        },
        onError: () => errors++,
        onDone: () => {
          if (--lanes === 0) finish();
        },
      });
    }
  });
}

async function run(cmd: WorkerCommand): Promise<WorkerReply> {
  switch (cmd.type) {
    case 'open':
      return { type: 'open', id: cmd.id, result: await open(cmd) };
    case 'collect':
      return { type: 'collect', id: cmd.id, result: collect(cmd.reset) };
    case 'http-load':
      return { type: 'http-load', id: cmd.id, result: await httpLoad(cmd) };
    case 'close-all':
      for (const conn of streams.splice(0)) {
        conn.established = false; // so that its 'close' event does not count as a drop
        conn.socket.destroy();
      }
      alive = 0;
      closedAfterEstablished = 0;
      return { type: 'close-all', id: cmd.id };
  }
}

function main(): void {
  process.on('message', (cmd: WorkerCommand) => {
    run(cmd).then(
      (reply) => process.send?.(reply),
      (err: Error) => process.send?.({ type: 'error', id: cmd.id, message: err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(0), 3_600_000).unref();
  process.send?.({ type: 'ready', id: 0 });
}

if (require.main === module) main();

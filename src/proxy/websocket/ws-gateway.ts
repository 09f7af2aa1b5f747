/**
 * Entry point of client WebSockets: takes `Upgrade: websocket` requests from the proxy server, picks the
 * route, opens the backend (WebSocket-over-HTTP, passthrough, or the test endpoint), and only then
 * completes the client handshake with the backend's answer (spec websocket.md §1). The `ws` library runs
 * in `noServer` mode.
 */
import { randomUUID } from 'node:crypto';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { RouteTarget } from '../../config/route-types';
import { firstHeaderValue } from '../../grip/header-params';
import type { ClientRequestInfo } from '../client-request';
import { sendComplete, sendTextError } from '../client-writer';
import { releaseNodeSocketState } from '../held-socket';
import type { ProxyContext } from '../proxy-context';
import type { ProxyServer } from '../proxy-server';
import { DisconnectQueue } from './disconnect-queue';
import { openPassthrough } from './passthrough-backend';
import { TestBackend, testChannels } from './test-backend';
import { WohBackend } from './woh-backend';
import { WsRegistry } from './ws-registry';
import { WsSession } from './ws-session';
import { DEFAULT_WS_LIMITS, type HandshakeOutcome, type WsContext, type WsLimits } from './ws-types';

const PENDING = Symbol('thumbtack.wsPending');

/** What the 101 of a pending handshake must carry, hung on its request for the shared `ws` hooks. */
interface PendingUpgrade {
  headers: Array<[string, string]>;
  protocol?: string;
  backend: HandshakeOutcome & { kind: 'accept' };
}
type UpgradeRequest = IncomingMessage & { [PENDING]?: PendingUpgrade };

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const PROXY_ERROR = 'Error while proxying to origin.';

export interface WebSocketGatewayOptions {
  /** `allow_compression`: negotiate permessage-deflate with clients. Default false. */
  allowCompression?: boolean;
  /** Overrides of the default limits. */
  limits?: Partial<WsLimits>;
}

// Shared `ws` server hooks: read what the pending handshake hung on its request.
function selectProtocol(_offered: Set<string>, req: IncomingMessage): string | false {
  return (req as UpgradeRequest)[PENDING]?.protocol ?? false;
}
function addHandshakeHeaders(lines: string[], req: IncomingMessage): void {
  const pending = (req as UpgradeRequest)[PENDING];
  if (pending) for (const [name, value] of pending.headers) lines.push(`${name}: ${value}`);
}
function ignoreSocketError(): void {
  // A client that resets during the handshake; 'close' follows.
}
function endSocketAfterResponse(this: ServerResponse): void {
  this.socket?.end();
}

/**
 * What the socket no longer needs once `ws` has it (~180 bytes per open WebSocket): the handshake's own
 * error listener (`ws` has one now), and what Node keeps that a held connection does not need (so `end`
 * holds `ws`'s listener alone, not an array).
 */
function releaseUpgradedSocket(socket: Socket): void {
  socket.off('error', ignoreSocketError);
  releaseNodeSocketState(socket);
}

export class WebSocketGateway {
  readonly registry = new WsRegistry();
  /** Limits in force; may be changed before connections arrive (tests do). */
  readonly limits: WsLimits;
  private readonly ctx: WsContext;
  private wss?: WebSocketServer;
  private closing = false;

  constructor(
    private readonly proxyCtx: ProxyContext,
    private readonly proxy: ProxyServer,
    private readonly opts: WebSocketGatewayOptions = {},
  ) {
    this.limits = { ...DEFAULT_WS_LIMITS, ...opts.limits };
    const disconnects = new DisconnectQueue(() => this.limits.disconnectConcurrency);
    this.ctx = { proxy: proxyCtx, limits: this.limits, registry: this.registry, disconnects };
  }

  /** Number of open client WebSockets. */
  get connectionCount(): number {
    return this.registry.size;
  }

  /** `refresh {cid}` of the command socket: false when the connection is not open here. */
  refreshConnection(cid: string): boolean {
    return this.registry.refreshConnection(cid);
  }

  /** `refresh {channel}`: refreshes the WebSocket-over-HTTP sessions subscribed to the channel; returns how many. */
  refreshChannel(channel: string): number {
    return this.registry.refreshChannel(this.proxyCtx.hold.index, channel);
  }

  /** `conncheck`: whether a connection id is open here. */
  isConnected(cid: string): boolean {
    return this.registry.has(cid);
  }

  /** The proxy server's upgrade handler. */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignoreSocketError);
    this.handshake(req as UpgradeRequest, socket as Socket, head).catch((err: unknown) => {
      this.proxyCtx.logger.error('websocket handshake failed unexpectedly', { error: err instanceof Error ? err.stack : String(err) });
      socket.destroy();
    });
  }

  /** Closes every client WebSocket (1001) and resolves when they are gone or the grace period ended. */
  async close(): Promise<void> {
    this.closing = true;
    this.registry.closeAll('shutdown');
    if (this.registry.size === 0) return;
    await new Promise<void>((resolve) => {
      const started = Date.now();
      // One timer for the whole worker, polling until the clients have finished closing.
      const timer = setInterval(() => {
        if (this.registry.size > 0 && Date.now() - started < this.limits.shutdownGraceMs) return;
        clearInterval(timer);
        resolve();
      }, 20);
    });
    // Clients that did not finish their close handshake in time are dropped.
    this.registry.closeAll('error');
    this.wss?.close();
  }

  private server(): WebSocketServer {
    if (!this.wss) {
      this.wss = new WebSocketServer({
        noServer: true,
        perMessageDeflate: this.opts.allowCompression === true,
        maxPayload: this.limits.maxMessageBytes,
        clientTracking: false,
        autoPong: false,
        handleProtocols: selectProtocol,
      });
      this.wss.on('headers', addHandshakeHeaders);
      this.wss.on('wsClientError', (err: Error, socket: Duplex, req: IncomingMessage) => {
        const pending = (req as UpgradeRequest)[PENDING];
        delete (req as UpgradeRequest)[PENDING];
        pending?.backend.backend.disconnect();
        rawError(socket, 400, 'Bad Request', `${err.message}\n`);
      });
    }
    return this.wss;
  }

  private async handshake(req: UpgradeRequest, socket: Socket, head: Buffer): Promise<void> {
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket' && !hasBody(req)) {
      // Another protocol (curl's `Upgrade: h2c`): not upgraded, the request is served as HTTP/1.1.
      this.proxy.serveAsHttp(req, this.responseOn(req, socket));
      return;
    }
    const invalid = invalidHandshake(req);
    if (invalid !== undefined || this.closing) {
      rawError(socket, this.closing ? 503 : 400, this.closing ? 'Service Unavailable' : 'Bad Request', `${invalid ?? 'Shutting down.'}\n`);
      return;
    }
    const res = this.responseOn(req, socket);
    const route = this.proxy.selectRoute(req, res, true);
    if (!route) return;
    const info = this.proxy.requestInfo(req, route, Buffer.alloc(0));
    const cid = randomUUID();
    const first = route.targets[0];
    if (first?.kind === 'test') {
      this.complete(req, socket, head, res, info, cid, { kind: 'accept', backend: new TestBackend(), headers: [] }, testChannels(info.url));
      return;
    }
    const sig = info.headers.find(([k]) => k.toLowerCase() === 'grip-sig')?.[1];
    info.trusted = sig !== undefined && (await this.proxyCtx.isTrustedSig(sig));
    let outcome: HandshakeOutcome = { kind: 'fail', connectFailure: false, detail: 'no targets' };
    let target: RouteTarget | undefined;
    const tried: string[] = [];
    for (const t of route.targets) {
      if (t.kind !== 'net') continue;
      target = t;
      tried.push(`${t.host}:${t.port}`);
      outcome = t.overHttp ? await new WohBackend(this.ctx, info, t, cid).open() : await openPassthrough(this.ctx, info, t);
      if (outcome.kind !== 'fail' || !outcome.connectFailure) break;
      this.proxyCtx.logger.info('websocket target failed, trying the next', { route: route.id, detail: outcome.detail });
    }
    const debug = this.proxyCtx.settings.debug || route.debug;
    if (outcome.kind === 'fail') {
      this.proxyCtx.logger.warn('websocket backend handshake failed', { route: route.id, detail: outcome.detail });
      const text = !debug ? PROXY_ERROR : outcome.connectFailure ? `Unable to connect to any targets. Tried: ${tried.join(', ')}` : outcome.detail;
      if (!socket.destroyed) sendTextError(res, 502, 'Bad Gateway', text);
      return;
    }
    if (outcome.kind === 'reject') {
      if (!socket.destroyed) sendComplete(res, outcome.code, outcome.reason, outcome.headers, outcome.body);
      return;
    }
    this.complete(req, socket, head, res, info, cid, outcome, target?.subs ?? []);
  }

  /** An HTTP response written on the raw socket of an upgrade request; the socket ends with it. */
  private responseOn(req: IncomingMessage, socket: Socket): ServerResponse {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.sendDate = false;
    res.assignSocket(socket);
    res.once('finish', endSocketAfterResponse);
    return res;
  }

  /** Finishes the client handshake with the backend's answer and starts the session. */
  private complete(
    req: UpgradeRequest,
    socket: Socket,
    head: Buffer,
    res: ServerResponse,
    info: ClientRequestInfo,
    cid: string,
    accepted: HandshakeOutcome & { kind: 'accept' },
    subs: readonly string[],
  ): void {
    res.off('finish', endSocketAfterResponse);
    res.detachSocket(socket);
    if (socket.destroyed || !socket.writable || !socket.readable || this.closing) {
      accepted.backend.disconnect();
      socket.destroy();
      return;
    }
    // The backend's subprotocol choice goes through ws's handleProtocols hook, so it is written once.
    const protocol = firstHeaderValue(accepted.headers, 'Sec-WebSocket-Protocol');
    let headers = accepted.headers.filter(([k]) => k.toLowerCase() !== 'sec-websocket-protocol');
    let grip = accepted.grip;
    if (info.trusted) {
      // A trusted upstream GRIP proxy gets the backend's extension answer and does the GRIP work itself.
      headers = [...headers, ...(accepted.extensions ?? []).map((v): [string, string] => ['Sec-WebSocket-Extensions', v])];
      grip = undefined;
    }
    req[PENDING] = { headers, protocol, backend: accepted };
    const session = new WsSession(this.ctx, { cid, route: info.route, backend: accepted.backend, grip, subs });
    // handleUpgrade runs synchronously here: either the callback runs, or wsClientError did the cleanup.
    this.server().handleUpgrade(req, socket, head, (ws: WebSocket) => {
      delete req[PENDING];
      session.start(ws, socket, { address: info.peerAddress, isTls: info.isTls });
      releaseUpgradedSocket(socket);
    });
  }
}

/** Why a request cannot be a WebSocket handshake, or undefined (checked before the backend is contacted). */
function invalidHandshake(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return 'Invalid HTTP method.';
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'Unsupported upgrade.';
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return 'Missing or invalid Sec-WebSocket-Key header.';
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 'Missing or invalid Sec-WebSocket-Version header.';
  return undefined;
}

/** Whether a request announces a body (not servable once its socket left the HTTP parser). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Writes a small text response on a raw socket and closes it. */
function rawError(socket: Duplex, code: number, reason: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

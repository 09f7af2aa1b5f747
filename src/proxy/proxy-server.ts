import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { RouteTable } from '../config/route-table';
import type { Route } from '../config/route-types';
import { ClientConnections, isRefused } from './client-connections';
import { GRIP_BODY_LIMIT, pairsFromRaw, type ClientRequestInfo } from './client-request';
import { beginAccess, startAccess, type AccessRecord } from './access-log';
import { sendComplete, sendTextError } from './client-writer';
import { ClientExchange } from './client-exchange';
import { HttpSession } from './http-session';
import { setNoDelayOnListener } from './listener-no-delay';
import { LeanFront, type LeanRequest } from './lean-front';
import type { ProxyContext } from './proxy-context';
import { testHandler } from './test-handler';
import { joinChunks } from '../core/join-chunks';
import { headerNameIs } from '../core/http-syntax';

/** The route table in force; replaced as a whole when the routes file is reloaded. */
export interface RouteTableRef {
  current: RouteTable;
}

/** `Host` header → lower-cased host name without port (`[v6]` keeps its brackets). */
export function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(0, end + 1) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

/**
 * The client-facing HTTP server of one worker: picks the route, then hands the request to an HttpSession
 * (or the built-in test handler). WebSocket upgrades are handled by the WebSocket module when present.
 */
export class ProxyServer {
  /**
   * Node's HTTP server of each listening address (`http_port` may list several). With the lean front it
   * does not listen: it takes the connections the front hands over (see lean-front.ts).
   */
  private readonly servers: http.Server[] = [];
  /** The lean front of each listening address (none with `THUMBTACK_LEAN_FRONT=0`). */
  private readonly fronts: LeanFront[] = [];
  /** Open client sockets of every listener, against `client_maxconn`. */
  readonly connections: ClientConnections;
  private upgradeHandler?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Set by `drain()`: requests still arriving on open connections are answered 503. */
  private draining = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly routes: RouteTableRef,
  ) {
    this.connections = new ClientConnections(ctx.settings.clientMaxconn, ctx.logger);
  }

  /** Lets the WebSocket module take over `Upgrade: websocket` requests. */
  setUpgradeHandler(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.upgradeHandler = handler;
  }

  private newServer(): http.Server {
    const headersTimeout = this.ctx.settings.clientHeadersTimeoutMs;
    const server = http.createServer(
      {
        maxHeaderSize: this.ctx.settings.clientBufferSize,
        requestTimeout: 0,
        // Slowloris: a request head not complete within the bound gets 408 (Node checks every interval).
        headersTimeout,
        connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(headersTimeout / 4))),
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      (req, res) => this.onRequest(req, res),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (isRefused(socket)) socket.destroy();
      else if (this.upgradeHandler) this.upgradeHandler(req, socket, head);
      else {
        const body = 'WebSockets are not supported yet.\n';
        socket.end(`HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      }
    });
    server.on('clientError', onClientError);
    return server;
  }

  /** Listens on one more address; resolves with the bound port (0 picks a free one). */
  listen(port: number, host?: string): Promise<number> {
    const engine = this.newServer();
    this.servers.push(engine);
    let server: NetServer = engine;
    if (this.ctx.settings.leanFront) {
      const front = new LeanFront({
        maxHeadBytes: this.ctx.settings.clientBufferSize,
        headersTimeoutMs: this.ctx.settings.clientHeadersTimeoutMs,
        keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
        fallback: engine,
        onRequest: (req, res) => this.onRequest(req, res),
        onLeanRequest: (request) => this.onLeanRequest(request),
        onHeadersTimeout: (socket) => onClientError(Object.assign(new Error('request head timed out'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket),
      });
      // Node's server never listens itself: this starts its clock for `client_headers_timeout` on the
      // connections handed over to it (it is started on `listening`).
      engine.emit('listening');
      this.fronts.push(front);
      server = front.server;
    }
    // Before anything reads the socket: sockets over client_maxconn are refused.
    server.prependListener('connection', this.connections.onConnection);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        setNoDelayOnListener(server);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting new connections and closes idle keep-alive ones; held connections are the worker's. */
  close(): Promise<void> {
    const listening: NetServer[] = this.ctx.settings.leanFront ? this.fronts.map((front) => front.server) : this.servers;
    const closed = Promise.all(listening.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    // Behind the lean fronts, Node's servers never listened: this stops their timeout checks (and they
    // report "not running").
    if (this.ctx.settings.leanFront) for (const engine of this.servers) engine.close(ignoreCloseError);
    this.closeIdleConnections();
    return closed.then(() => undefined);
  }

  /**
   * Requests the lean fronts read, connections they handed over to Node's server, and streams held without
   * a response object (tests, metrics).
   */
  leanFrontCounts(): { requests: number; handedOver: number; heldWithoutResponse: number } {
    let requests = 0;
    let handedOver = 0;
    let heldWithoutResponse = 0;
    for (const front of this.fronts) {
      requests += front.requests;
      handedOver += front.handedOver;
      heldWithoutResponse += front.heldWithoutResponse;
    }
    return { requests, handedOver, heldWithoutResponse };
  }

  /** Closes every client connection waiting for its next request. */
  private closeIdleConnections(): void {
    for (const server of this.servers) server.closeIdleConnections();
    for (const front of this.fronts) front.closeIdle(this.connections.all());
  }

  /** Drops every connection still open (after held ones were closed cleanly). */
  closeAllConnections(): void {
    for (const server of this.servers) server.closeAllConnections();
    this.connections.destroyAll();
  }

  /**
   * Shutdown: stops accepting, then for up to `graceMs` lets responses in progress finish, closing each
   * connection as soon as it is idle (`tick` runs every poll, to close holds started meanwhile); then drops
   * whatever is left. Requests arriving meanwhile on open connections get 503 with `Retry-After`.
   */
  async drain(graceMs: number, tick?: () => void): Promise<void> {
    this.draining = true;
    let closed = false;
    const allClosed = this.close().then(() => {
      closed = true;
    });
    const deadline = Date.now() + graceMs;
    while (!closed && Date.now() < deadline) {
      tick?.();
      this.closeIdleConnections();
      await Promise.race([allClosed, new Promise((r) => setTimeout(r, DRAIN_POLL_MS))]);
    }
    if (!closed) this.closeAllConnections();
    await allClosed;
  }

  /** Selects the route for a request, or answers the client itself and returns undefined. */
  selectRoute(req: IncomingMessage, res: ServerResponse, isWebSocket: boolean): Route | undefined {
    const wanted = req.headers['pushpin-route'];
    const route = this.routeFor(req.url ?? '/', req.headers.host, typeof wanted === 'string' ? wanted : undefined, isWebSocket, this.isTls(req));
    if (typeof route === 'string') {
      sendTextError(res, 502, 'Bad Gateway', `No route for host: ${route}`);
      return undefined;
    }
    return route;
  }

  /** The route for a request, or the host name no route matches. */
  private routeFor(url: string, hostHeader: string | undefined, wantedRoute: string | undefined, isWebSocket: boolean, isTls: boolean): Route | string {
    const queryAt = url.indexOf('?');
    const path = queryAt >= 0 ? url.slice(0, queryAt) : url;
    const host = hostName(hostHeader);
    if (this.ctx.settings.acceptPushpinRoute && wantedRoute !== undefined && wantedRoute !== '') {
      const byId = this.routes.current.byId(wantedRoute);
      if (byId) return byId;
    }
    const selected = this.routes.current.select({ host, path, isWebSocket, isTls });
    return 'error' in selected ? host : selected.route;
  }

  isTls(req: IncomingMessage): boolean {
    if ((req.socket as { encrypted?: boolean }).encrypted) return true;
    return this.forwardedAsTls(String(req.headers['x-forwarded-proto'] ?? req.headers['x-forwarded-protocol'] ?? ''));
  }

  /** Whether an `X-Forwarded-Proto` (or `-Protocol`) value says TLS, when `accept_x_forwarded_protocol` is on. */
  private forwardedAsTls(proto: string | undefined): boolean {
    if (!this.ctx.settings.acceptXForwardedProtocol) return false;
    const lower = (proto ?? '').toLowerCase();
    return lower === 'https' || lower === 'wss';
  }

  /**
   * A plain GET the lean front read, taken without Node's request and response objects (issue 6): routed
   * from the parsed head, then given to the session with a response made only if the session needs one,
   * which a stream hold does not (client-exchange.ts). False leaves the request to `onRequest`: a body, a
   * refused socket, draining, no route (Node's response answers 502), the built-in test handler, or a
   * header the choice reads that Node would join or drop when repeated.
   */
  private onLeanRequest(request: LeanRequest): boolean {
    const head = request.head;
    const socket = request.socket;
    if (head.method !== 'GET' || request.body !== undefined || this.draining || isRefused(socket)) return false;
    const headers = pairsFromRaw(head.rawHeaders);
    const host = singleHeader(headers, 'host');
    const wanted = singleHeader(headers, 'pushpin-route');
    const proto = singleHeader(headers, 'x-forwarded-proto');
    const protocol = singleHeader(headers, 'x-forwarded-protocol');
    if (host === REPEATED || wanted === REPEATED || proto === REPEATED || protocol === REPEATED) return false;
    const isTls = this.forwardedAsTls(proto ?? protocol);
    const route = this.routeFor(head.url, host, wanted, false, isTls);
    if (typeof route === 'string') return false;
    const first = route.targets[0];
    if (first === undefined || first.kind === 'test') return false;
    this.ctx.hold.stats?.requestReceived(route.explicitId ? route.id : undefined);
    // A head written without Node's response says `keep-alive` and chunked: an HTTP/1.1 request that keeps
    // its connection. Node's response answers the others (`Connection: close`, no chunks for HTTP/1.0).
    const keepsConnection = head.minorVersion === 1 && head.keepAlive;
    const client = ClientExchange.deferred(socket, keepsConnection ? request.keepAliveTimeoutMs : undefined, () => {
      const res = request.response();
      res.sendDate = false;
      return res;
    });
    client.access = startAccess(this.ctx.logger, accessFields(head.method, isTls, host ?? '', head.url, route));
    const info: ClientRequestInfo = {
      method: head.method,
      url: head.url,
      host: host ?? '',
      headers,
      isTls,
      peerAddress: socket.remoteAddress ?? '',
      route,
      body: NO_BODY,
      bodyTooLarge: false,
    };
    new HttpSession(this.ctx, info, client, Promise.resolve()).run().catch((err: unknown) => this.crash(client.res, err));
    return true;
  }

  /** Serves a request that came as an upgrade to something other than WebSocket (e.g. `h2c`) as plain HTTP. */
  serveAsHttp(req: IncomingMessage, res: ServerResponse): void {
    this.onRequest(req, res);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    res.sendDate = false;
    if (isRefused(req.socket)) {
      req.resume(); // over client_maxconn: the socket already got its 503
      return;
    }
    if (this.draining) {
      req.resume();
      res.shouldKeepAlive = false;
      sendComplete(res, 503, 'Service Unavailable', [['Content-Type', 'text/plain'], ['Retry-After', '1']], Buffer.from('Service shutting down; retry.\n'));
      return;
    }
    const route = this.selectRoute(req, res, false);
    if (!route) {
      req.resume();
      return;
    }
    this.ctx.hold.stats?.requestReceived(route.explicitId ? route.id : undefined);
    const first = route.targets[0];
    beginAccess(res, this.ctx.logger, accessFields(req.method ?? 'GET', this.isTls(req), req.headers.host ?? '', req.url ?? '/', route));
    if (first && first.kind === 'test') {
      req.resume();
      this.serveTest(req, res, route);
      return;
    }
    const info = this.requestInfo(req, route);
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) {
      info.body = NO_BODY;
      req.resume();
      new HttpSession(this.ctx, info, ClientExchange.of(res), Promise.resolve()).run().catch((err: unknown) => this.crash(res, err));
      return;
    }
    // The live body goes to the backend through `relay` (attached now, so no chunk is missed while the
    // session signs its request); a copy of up to GRIP_BODY_LIMIT bytes is kept for re-requests.
    const relay = new PassThrough();
    req.pipe(relay);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (info.bodyTooLarge) return;
      size += chunk.length;
      if (size > GRIP_BODY_LIMIT) {
        info.bodyTooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    const bodyDone = new Promise<void>((resolve) => {
      req.once('end', () => {
        if (!info.bodyTooLarge) info.body = joinChunks(chunks);
        resolve();
      });
      req.once('close', () => resolve());
    });
    new HttpSession(this.ctx, info, ClientExchange.of(res), bodyDone).run(relay).catch((err: unknown) => this.crash(res, err));
  }

  private serveTest(req: IncomingMessage, res: ServerResponse, route: Route): void {
    const result = testHandler(req.url ?? '/', route.pathBeg);
    if (result.kind === 'response') {
      sendComplete(res, result.code, result.reason, [['Content-Type', 'text/plain']], Buffer.from(result.body));
      return;
    }
    const info = this.requestInfo(req, route, NO_BODY);
    new HttpSession(this.ctx, info, ClientExchange.of(res), Promise.resolve()).apply(result.instruction);
  }

  /** What the proxy keeps of a request (HTTP or a WebSocket handshake); `body` when it is already known. */
  requestInfo(req: IncomingMessage, route: Route, body?: Buffer): ClientRequestInfo {
    return {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      host: req.headers.host ?? '',
      headers: pairsFromRaw(req.rawHeaders),
      isTls: this.isTls(req),
      peerAddress: req.socket.remoteAddress ?? '',
      route,
      body,
      bodyTooLarge: false,
    };
  }

  private crash(res: ServerResponse, err: unknown): void {
    this.ctx.logger.error('request failed unexpectedly', { error: err instanceof Error ? err.stack : String(err) });
    if (!res.headersSent) sendTextError(res, 500, 'Internal Server Error', 'Internal error.');
    else res.destroy();
  }
}

/** The access-log fields of a request on `route`: its absolute URI and the target it goes to first. */
function accessFields(method: string, isTls: boolean, host: string, url: string, route: Route): Omit<AccessRecord, 'logger' | 'startMs' | 'held'> {
  const first = route.targets[0];
  const target = first === undefined ? '' : first.kind === 'test' ? 'test' : `${first.host}:${first.port}`;
  return { method, uri: `${isTls ? 'https' : 'http'}://${host}${url}`, route: route.id, target };
}

/** What `singleHeader` gives for a header that came more than once. */
const REPEATED = Symbol('repeated');

/** The value of a header that came at most once (undefined when absent), or REPEATED. */
function singleHeader(headers: ReadonlyArray<readonly [string, string]>, lower: string): string | undefined | typeof REPEATED {
  let found: string | undefined;
  for (const [name, value] of headers) {
    if (!headerNameIs(name, lower)) continue;
    if (found !== undefined) return REPEATED;
    found = value;
  }
  return found;
}

/** The body of every request without one (a zero-length Buffer has nothing to change: one serves all). */
const NO_BODY = Buffer.alloc(0);

/** Milliseconds an idle keep-alive client connection stays open (Node's default, told in `Keep-Alive`). */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

function ignoreCloseError(): void {
  // `close` on a server that never listened reports ERR_SERVER_NOT_RUNNING: nothing to do.
}

/** Milliseconds between two checks for idle connections while draining. */
const DRAIN_POLL_MS = 25;

/** The answer to a request Node's parser refused, by Node error code. */
function clientErrorResponse(code: string | undefined): { status: string; body: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: '431 Request Header Fields Too Large', body: 'Request header too large.\n' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: '408 Request Timeout', body: 'Request header not received in time.\n' };
  return { status: '400 Bad Request', body: 'Bad request.\n' };
}

/**
 * Malformed requests (400), oversized header blocks (431) and request heads that do not arrive within
 * `client_headers_timeout` (408) get an HTTP error instead of a silent drop; the connection closes.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || isRefused(socket)) {
    socket.destroy();
    return;
  }
  const { status, body } = clientErrorResponse(err.code);
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  // A client that keeps sending after the error (or never reads it) is not waited for.
  setTimeout(destroyDuplex, CLIENT_ERROR_LINGER_MS, socket).unref();
}

/** Milliseconds a socket that got a 400/408/431 is kept for the answer to leave. */
const CLIENT_ERROR_LINGER_MS = 1000;

function destroyDuplex(socket: Duplex): void {
  socket.destroy();
}

/**
 * A client WebSocket relayed to a backend WebSocket ("passthrough", spec websocket.md §1-2). The proxy
 * offers `Sec-WebSocket-Extensions: grip` on GRIP routes; the backend's answer decides GRIP mode.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions } from 'ws';
import type { RouteTarget } from '../../config/route-types';
import { GRIP_FEATURE } from '../../grip/grip-sig';
import { headerValues } from '../../grip/header-params';
import { parseGripExtension } from '../../grip/ws-extension';
import { clientHandshakeHeaders } from '../../grip/ws-over-http-headers';
import { headersObject } from '../node-http-request';
import { backendHeaders, clientResponseHeaders, tlsServerName } from '../backend-headers';
import { backendPath } from '../backend-path';
import { pairsFromRaw, type ClientRequestInfo } from '../client-request';
import { readBody } from './read-body';
import { isSendableCloseCode, truncateCloseReason } from './close-codes';
import type { BackendOwner, HandshakeOutcome, WsBackend, WsContext, WsFrameKind } from './ws-types';

/** Bytes of a rejection body relayed to the client. */
const REJECT_BODY_MAX = 100_000;

const BACKEND = Symbol('thumbtack.passthroughBackend');
type BackendSocket = WebSocket & { [BACKEND]?: PassthroughBackend };

/** Headers the outbound client writes itself, or that are replaced. */
const OWN_HEADERS = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'connection', 'upgrade']);

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']);

function onMessage(this: BackendSocket, data: Buffer, isBinary: boolean): void {
  this[BACKEND]?.received(isBinary ? 'binary' : 'text', data);
}
function onPing(this: BackendSocket, data: Buffer): void {
  this[BACKEND]?.received('ping', data);
}
function onPong(this: BackendSocket, data: Buffer): void {
  this[BACKEND]?.received('pong', data);
}
function onClose(this: BackendSocket, code: number, reason: Buffer): void {
  this[BACKEND]?.closed(code, reason.toString('utf8'));
}
function ignoreError(): void {
  // Errors are followed by 'close', where they are handled.
}

export class PassthroughBackend implements WsBackend {
  private owner?: BackendOwner;
  private done = false;
  private waitingDrain = false;
  /** What arrived between the backend's 101 and `attach` (a backend may speak first). */
  private early: Array<() => void> = [];
  private readonly onDrained = (): void => {
    this.waitingDrain = false;
    this.owner?.backendWritable(true);
  };

  /** Takes over an open backend socket; frames are held until `attach`. */
  constructor(
    private readonly ctx: WsContext,
    private readonly ws: BackendSocket,
  ) {
    ws[BACKEND] = this;
    ws.on('message', onMessage);
    ws.on('ping', onPing);
    ws.on('pong', onPong);
    ws.on('close', onClose);
  }

  attach(owner: BackendOwner): void {
    this.owner = owner;
    const early = this.early;
    this.early = [];
    for (const replay of early) replay();
  }

  send(kind: WsFrameKind, data: Buffer): void {
    const ws = this.ws;
    if (this.done || ws.readyState !== WebSocket.OPEN) return;
    const overBound = ws.bufferedAmount + data.length > this.ctx.proxy.hold.maxQueuedBytes;
    // Past the bound, the client is paused until this message has been written out.
    const cb = overBound && !this.waitingDrain ? this.onDrained : undefined;
    if (cb) {
      this.waitingDrain = true;
      this.owner?.backendWritable(false);
    }
    if (kind === 'text' || kind === 'binary') ws.send(data, { binary: kind === 'binary' }, cb);
    else if (kind === 'ping') ws.ping(data, undefined, cb);
    else ws.pong(data, undefined, cb);
  }

  close(code?: number, reason?: string): void {
    if (this.done) return;
    const ws = this.ws;
    if (ws.readyState === WebSocket.CLOSING || ws.readyState === WebSocket.CLOSED) return;
    if (code !== undefined && isSendableCloseCode(code)) ws.close(code, truncateCloseReason(reason ?? ''));
    else ws.close();
  }

  disconnect(): void {
    if (this.done) return;
    this.done = true;
    this.ws.terminate();
  }

  refresh(): boolean {
    return false;
  }

  onTimer(): void {
    // No deadlines: the ws library handles the close handshake timeout.
  }

  received(kind: WsFrameKind, data: Buffer): void {
    if (this.done) return;
    if (this.owner) this.owner.backendMessage(kind, data);
    else this.early.push(() => this.received(kind, data));
  }

  closed(code: number, reason: string): void {
    if (!this.owner) {
      this.early.push(() => this.closed(code, reason));
      return;
    }
    if (this.done) return;
    this.done = true;
    if (code === 1006) this.owner.backendGone('backend websocket connection lost');
    else this.owner.backendClose(code === 1005 ? undefined : code, reason);
  }
}

/**
 * Opens the backend WebSocket for a client handshake and resolves with its answer. The client's headers
 * (minus the ones the outbound client writes itself) go to the backend, with `Grip-Sig`, `Grip-Feature` and
 * `Sec-WebSocket-Extensions: grip` on GRIP routes.
 */
export async function openPassthrough(ctx: WsContext, info: ClientRequestInfo, target: RouteTarget): Promise<HandshakeOutcome> {
  const route = info.route;
  const grip = !route.noGrip;
  // A trusted upstream proxy's own Grip-Sig is forwarded; it does the GRIP work.
  const sign = grip && !info.trusted;
  const s = ctx.proxy.settings;
  const headers = backendHeaders(info, {
    target,
    gripSig: sign ? await ctx.proxy.gripSig(route) : undefined,
    gripFeature: sign ? GRIP_FEATURE : undefined,
    acceptPushpinRoute: s.acceptPushpinRoute,
    acceptXForwardedProtocol: s.acceptXForwardedProtocol,
    setXForwardedProtocol: s.setXForwardedProtocol,
    xForwardedFor: s.xForwardedFor,
    xForwardedForTrusted: s.xForwardedForTrusted,
    cdnLoop: s.cdnLoop,
    origHeadersPrefix: route.origHeaders ? 'eb9bf0f5-' : undefined,
  }).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase()));
  if (grip) headers.push(['Sec-WebSocket-Extensions', 'grip']);
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const url = `${target.ssl ? 'wss' : 'ws'}://${host}:${target.port}${backendPath(route, info.url)}`;
  return new Promise<HandshakeOutcome>((resolve) => {
    // `servername` reaches tls.connect through ws, which does not declare it.
    const options: ClientOptions & { servername?: string } = {
      // Node's http client sends an array value as repeated header lines; ws's type only says string.
      headers: headersObject(headers) as Record<string, string>,
      perMessageDeflate: false,
      maxPayload: ctx.limits.maxMessageBytes,
      handshakeTimeout: s.backendTimeoutMs,
      autoPong: false,
      followRedirects: false,
      skipUTF8Validation: true,
      rejectUnauthorized: !target.insecure,
    };
    if (target.ssl) options.servername = tlsServerName(target);
    let ws: BackendSocket;
    try {
      ws = new WebSocket(url, options) as BackendSocket;
    } catch (err) {
      resolve({ kind: 'fail', connectFailure: false, detail: `cannot open ${url}: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    let upgraded = false;
    let answerHeaders: Array<[string, string]> = [];
    const settle = (outcome: HandshakeOutcome): void => {
      ws.off('upgrade', onUpgrade);
      ws.off('unexpected-response', onUnexpected);
      ws.off('open', onOpen);
      ws.off('close', onHandshakeClose);
      ws.off('error', onHandshakeError);
      resolve(outcome);
    };
    const onUpgrade = (res: IncomingMessage): void => {
      upgraded = true;
      answerHeaders = pairsFromRaw(res.rawHeaders);
      // The ws client refuses answers with extensions or a subprotocol it did not offer itself: the proxy
      // offered them on the client's behalf, so they are taken out of its view (and relayed below).
      delete res.headers['sec-websocket-extensions'];
      delete res.headers['sec-websocket-protocol'];
    };
    const onUnexpected = (req: ClientRequest, res: IncomingMessage): void => {
      upgraded = true;
      readBody(res, REJECT_BODY_MAX, true).then((body) => {
        req.destroy();
        const pairs = clientResponseHeaders(pairsFromRaw(res.rawHeaders), false).filter(([k]) => k.toLowerCase() !== 'content-length');
        settle({
          kind: 'reject',
          code: res.statusCode ?? 502,
          reason: res.statusMessage ?? '',
          headers: pairs,
          body: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
        });
      }, ignoreError);
    };
    const onOpen = (): void => {
      settle({
        kind: 'accept',
        backend: new PassthroughBackend(ctx, ws),
        headers: clientHandshakeHeaders(answerHeaders),
        grip: grip ? parseGripExtension(answerHeaders) : undefined,
        extensions: headerValues(answerHeaders, 'Sec-WebSocket-Extensions'),
      });
    };
    const onHandshakeClose = (): void => {
      settle({ kind: 'fail', connectFailure: !upgraded, detail: `backend websocket ${url} closed during the handshake` });
    };
    const onHandshakeError = (err: NodeJS.ErrnoException): void => {
      const connect = !upgraded && err.code !== undefined && CONNECT_ERRORS.has(err.code);
      settle({ kind: 'fail', connectFailure: connect, detail: `backend websocket ${url}: ${err.code ?? err.message}` });
    };
    ws.on('error', ignoreError);
    ws.once('upgrade', onUpgrade);
    ws.once('unexpected-response', onUnexpected);
    ws.once('open', onOpen);
    ws.once('close', onHandshakeClose);
    ws.once('error', onHandshakeError);
  });
}


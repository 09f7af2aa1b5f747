/**
 * A client WebSocket served to a backend as WebSocket-over-HTTP (spec websocket.md §4): one POST at a
 * time per connection, each carrying the events that happened since the previous one, through the same
 * keep-alive pools as HTTP requests.
 */
import type { Route, RouteTarget } from '../../config/route-types';
import { GRIP_FEATURE } from '../../grip/grip-sig';
import {
  decodeClosePayload,
  decodeWsEvents,
  encodeClosePayload,
  encodeWsEvents,
  WS_EVENTS_CONTENT_TYPE,
  type WsEvent,
  type WsEventType,
} from '../../grip/websocket-events';
import { headerValues } from '../../grip/header-params';
import { parseGripExtension } from '../../grip/ws-extension';
import {
  applySetMeta,
  clientHandshakeHeaders,
  isEventsResponse,
  metaRequestHeaders,
  parseKeepAliveInterval,
  wohForwardedHeaders,
} from '../../grip/ws-over-http-headers';
import { sendBackendRequest } from '../backend-client';
import { backendHeaders, clientResponseHeaders } from '../backend-headers';
import { backendPath } from '../backend-path';
import { pairsFromRaw, type ClientRequestInfo } from '../client-request';
import { readBody } from './read-body';
import type { BackendOwner, BackendTimer, HandshakeOutcome, WsBackend, WsContext, WsFrameKind } from './ws-types';

/** Bytes of client messages per request (Pushpin's buffer size). */
export const WOH_REQUEST_CONTENT_MAX = 200_000;
/** Largest response body accepted from the backend. */
export const WOH_RESPONSE_BODY_MAX = 1_000_000;
/** Bytes of a rejection body relayed to the client. */
export const WOH_REJECT_BODY_MAX = 100_000;
/** Retries of a request that could not reach the backend; the wait doubles from 1 s, plus 0-999 ms. */
export const WOH_RETRY_MAX = 5;

type Response = { ok: true; code: number; reason: string; headers: Array<[string, string]>; body: Buffer };
type Failure = { ok: false; connect: boolean; detail: string };

const EVENT_OF: Record<WsFrameKind, WsEventType> = { text: 'TEXT', binary: 'BINARY', ping: 'PING', pong: 'PONG' };
const KIND_OF: Record<string, WsFrameKind | undefined> = { TEXT: 'text', BINARY: 'binary', PING: 'ping', PONG: 'pong' };
const EMPTY = Buffer.alloc(0);

type Queued = { kind: WsFrameKind; data: Buffer };
// Shared empty lists for the many sessions that have nothing queued, no meta and no early events: a held
// session keeps no arrays of its own until it needs them. Frozen, so a push onto a shared one throws.
const NO_QUEUE: Queued[] = Object.freeze([]) as unknown as Queued[];
const NO_META: Array<[string, string]> = Object.freeze([]) as unknown as Array<[string, string]>;
const NO_EVENTS: WsEvent[] = Object.freeze([]) as unknown as WsEvent[];

interface Exchange {
  body: Buffer;
  /** The request carries our CLOSE. */
  close: boolean;
}

export class WohBackend implements WsBackend {
  private owner?: BackendOwner;
  private state: 'connecting' | 'connected' | 'done' = 'connecting';
  /**
   * The client's headers forwarded with every request, flat (name, value, name, value, …): one array per
   * session instead of one per header, since a session keeps them as long as it is open.
   */
  private readonly base: string[];
  private readonly path: string;
  private readonly route: Route;
  /** The client is a trusted upstream GRIP proxy (it does the GRIP work; no Grip-Sig of ours). */
  private readonly trusted: boolean;
  private meta: Array<[string, string]> = NO_META;
  /** Seconds, or -1 when keep-alive requests are off. */
  private keepAliveSec = -1;
  private queue: Queued[] = NO_QUEUE;
  private queuedBytes = 0;
  private paused = false;
  /** A request is in flight or waiting to be retried. */
  private busy = false;
  private retry?: Exchange;
  private retries = 0;
  private refreshQueued = false;
  private disconnecting = false;
  private disconnectSent = false;
  /** undefined: no close asked; null: bare CLOSE; else the code. */
  private closeCode: number | null | undefined;
  private closeReason = '';
  private closeSent = false;
  private peerClosing = false;
  /** Events that came after OPEN in the handshake answer, reported on attach. */
  private initial: WsEvent[] = NO_EVENTS;
  /** The client is gone: requests from now on take turns with other such sessions' (disconnect-queue.ts). */
  private clientLeft = false;
  /** Ends this session's turn in the disconnect queue, while its request is waiting or in flight. */
  private turnDone?: () => void;

  /** Keeps of `info` only what later requests need, not the handshake request's own record. */
  constructor(
    private readonly ctx: WsContext,
    info: ClientRequestInfo,
    private readonly target: RouteTarget,
    readonly cid: string,
  ) {
    const s = ctx.proxy.settings;
    const forwarded = backendHeaders(info, {
      target,
      acceptPushpinRoute: s.acceptPushpinRoute,
      acceptXForwardedProtocol: s.acceptXForwardedProtocol,
      setXForwardedProtocol: s.setXForwardedProtocol,
      xForwardedFor: s.xForwardedFor,
      xForwardedForTrusted: s.xForwardedForTrusted,
      cdnLoop: s.cdnLoop,
      origHeadersPrefix: info.route.origHeaders ? 'eb9bf0f5-' : undefined,
    });
    this.base = wohForwardedHeaders(forwarded).flat();
    this.path = backendPath(info.route, info.url);
    this.route = info.route;
    this.trusted = info.trusted === true;
  }

  /** Sends `OPEN` and reads the backend's answer. */
  async open(): Promise<HandshakeOutcome> {
    const r = await this.request(encodeWsEvents([{ type: 'OPEN' }]));
    if (!r.ok) return { kind: 'fail', connectFailure: r.connect, detail: r.detail };
    if (!isEventsResponse(r.code, r.headers)) {
      const headers = clientResponseHeaders(r.headers, false).filter(([k]) => k.toLowerCase() !== 'content-length');
      return { kind: 'reject', code: r.code, reason: r.reason, headers, body: r.body.subarray(0, WOH_REJECT_BODY_MAX) };
    }
    this.readHeaders(r.headers);
    const decoded = decodeWsEvents(r.body);
    if (!decoded.ok) return { kind: 'fail', connectFailure: false, detail: decoded.error.message };
    const events = decoded.value;
    if (events.length === 0 && this.keepAliveSec === -1) {
      return { kind: 'fail', connectFailure: false, detail: 'empty OPEN reply without Keep-Alive-Interval' };
    }
    if (events.length > 0 && events[0]?.type !== 'OPEN') {
      return { kind: 'fail', connectFailure: false, detail: `OPEN reply starts with ${events[0]?.type ?? ''}, not OPEN` };
    }
    this.initial = events.length > 1 ? events.slice(1) : NO_EVENTS;
    this.state = 'connected';
    return {
      kind: 'accept',
      backend: this,
      headers: clientHandshakeHeaders(r.headers),
      grip: parseGripExtension(r.headers),
      extensions: headerValues(r.headers, 'Sec-WebSocket-Extensions'),
    };
  }

  attach(owner: BackendOwner): void {
    this.owner = owner;
    const initial = this.initial;
    this.initial = NO_EVENTS;
    if (this.state !== 'connected') return;
    if (this.handleEvents(initial, false)) this.next();
  }

  send(kind: WsFrameKind, data: Buffer): void {
    if (this.state !== 'connected' || this.disconnecting || this.closeCode !== undefined) return;
    if (this.queue === NO_QUEUE) this.queue = [];
    this.queue.push({ kind, data });
    this.queuedBytes += data.length;
    if (this.queuedBytes >= WOH_REQUEST_CONTENT_MAX && !this.paused) {
      this.paused = true;
      this.owner?.backendWritable(false);
    }
    if (!this.busy) this.update();
  }

  close(code?: number, reason?: string, clientGone = false): void {
    if (this.state !== 'connected' || this.disconnecting || this.closeCode !== undefined) return;
    if (clientGone) this.clientLeft = true;
    this.closeCode = code ?? null;
    this.closeReason = reason ?? '';
    if (!this.busy) this.update();
  }

  disconnect(): void {
    if (this.state === 'done' || this.disconnecting) return;
    this.disconnecting = true;
    this.clientLeft = true;
    this.queue = NO_QUEUE;
    if (this.state === 'connected' && !this.busy) this.update();
  }

  refresh(): boolean {
    if (this.state !== 'connected' || this.disconnecting) return false;
    if (this.busy) this.refreshQueued = true;
    else this.update();
    return true;
  }

  onTimer(timer: BackendTimer): void {
    if (this.state !== 'connected') return;
    if (timer === 'keep-alive') {
      if (!this.busy) this.update();
    } else if (this.retry) {
      const exchange = this.retry;
      this.retry = undefined;
      this.run(exchange);
    }
  }

  // ---- requests ----

  private needUpdate(): boolean {
    return (
      (this.disconnecting && !this.disconnectSent) ||
      this.refreshQueued ||
      this.queue.length > 0 ||
      (this.closeCode !== undefined && !this.closeSent)
    );
  }

  /** Sends the next request with what is pending (possibly nothing: keep-alive, refresh). */
  private update(): void {
    if (this.busy || this.state !== 'connected') return;
    this.refreshQueued = false;
    this.owner?.clearBackendTimer('keep-alive');
    const events: Array<{ type: WsEventType; content?: Buffer }> = [];
    let close = false;
    if (this.disconnecting) {
      if (this.disconnectSent) return;
      events.push({ type: 'DISCONNECT' });
      this.disconnectSent = true;
    } else {
      const max = this.target.oneEvent ? 1 : Infinity;
      let bytes = 0;
      while (this.queue.length > 0 && bytes < WOH_REQUEST_CONTENT_MAX && events.length < max) {
        const m = this.queue.shift() as Queued;
        bytes += m.data.length;
        // Ping and pong carry content only when there is some, as Pushpin writes them.
        const bare = (m.kind === 'ping' || m.kind === 'pong') && m.data.length === 0;
        events.push(bare ? { type: EVENT_OF[m.kind] } : { type: EVENT_OF[m.kind], content: m.data });
      }
      this.queuedBytes -= bytes;
      if (this.closeCode !== undefined && !this.closeSent && this.queue.length === 0 && events.length < max) {
        events.push({ type: 'CLOSE', content: this.closeCode === null ? undefined : encodeClosePayload(this.closeCode, this.closeReason) });
        close = true;
      }
      if (this.paused && this.queuedBytes < WOH_REQUEST_CONTENT_MAX) {
        this.paused = false;
        this.owner?.backendWritable(true);
      }
    }
    this.run({ body: encodeWsEvents(events), close });
  }

  private run(exchange: Exchange): void {
    this.busy = true;
    if (!this.clientLeft) {
      this.start(exchange);
      return;
    }
    // The client is gone and nobody waits for the answer (a DISCONNECT, or the CLOSE after the client's own):
    // the request takes its turn with other such sessions', since clients that leave together would each
    // open a backend connection at once.
    this.ctx.disconnects.run(`${this.target.host}:${this.target.port}`, (done) => {
      this.turnDone = done;
      if (this.state === 'done') this.endTurn();
      else this.start(exchange);
    });
  }

  private start(exchange: Exchange): void {
    this.exchange(exchange).catch((err: unknown) => this.fail(`websocket-over-http request failed: ${String(err)}`));
  }

  private async exchange(exchange: Exchange): Promise<void> {
    let r: Response | Failure;
    try {
      r = await this.request(exchange.body);
    } finally {
      this.endTurn();
    }
    if (this.state === 'done') return;
    if (!r.ok) {
      if (r.connect && this.retries < WOH_RETRY_MAX && !this.disconnectSent) {
        const delay = 1000 * 2 ** this.retries + Math.floor(Math.random() * 1000);
        this.retries++;
        this.retry = exchange;
        this.ctx.proxy.logger.debug('websocket-over-http request failed; retrying', { cid: this.cid, delayMs: delay, detail: r.detail });
        this.owner?.setBackendTimer('retry', delay);
        return;
      }
      this.fail(r.detail);
      return;
    }
    this.retries = 0;
    this.busy = false;
    if (this.disconnectSent) {
      this.finish();
      return;
    }
    if (!isEventsResponse(r.code, r.headers)) {
      this.fail(`backend answered ${r.code} with content type ${JSON.stringify(r.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '')}`);
      return;
    }
    this.readHeaders(r.headers);
    const decoded = decodeWsEvents(r.body);
    if (!decoded.ok) {
      this.fail(decoded.error.message);
      return;
    }
    if (exchange.close) this.closeSent = true;
    if (this.handleEvents(decoded.value, true)) this.next();
  }

  /** After a request: the next one if something is pending, else the keep-alive wait. */
  private next(): void {
    if (this.state !== 'connected' || this.busy) return;
    if (this.needUpdate()) this.update();
    else if (this.keepAliveSec > 0) this.owner?.setBackendTimer('keep-alive', this.keepAliveSec * 1000);
  }

  /**
   * Reports a reply's events to the session. Returns false when the connection ended with them.
   * `afterOpen`: an `OPEN` here is a protocol error.
   */
  private handleEvents(events: WsEvent[], afterOpen: boolean): boolean {
    let closed: { code?: number; reason: string } | undefined;
    let dropped = '';
    for (const e of events) {
      if (this.state !== 'connected') return false;
      const kind = KIND_OF[e.type];
      if (kind) {
        this.owner?.backendMessage(kind, e.content ?? EMPTY);
      } else if (e.type === 'CLOSE') {
        this.peerClosing = true;
        closed = decodeClosePayload(e.content);
        break;
      } else if (e.type === 'DISCONNECT') {
        dropped = 'backend sent DISCONNECT';
        break;
      } else if (e.type === 'OPEN' && afterOpen) {
        dropped = 'backend sent OPEN after the handshake';
        break;
      }
    }
    if (this.state !== 'connected') return false;
    if (closed) {
      if (this.closeSent) {
        this.finish();
        return false;
      }
      this.owner?.backendClose(closed.code, closed.reason);
    } else if (this.closeSent && this.keepAliveSec === -1 && !dropped) {
      // Without keep-alives the backend had one chance to answer our CLOSE.
      this.finish();
      return false;
    }
    if (dropped) {
      this.fail(dropped);
      return false;
    }
    if (this.closeSent && this.peerClosing) {
      this.finish();
      return false;
    }
    return true;
  }

  private readHeaders(headers: Array<[string, string]>): void {
    const ka = parseKeepAliveInterval(headers, this.ctx.limits.minKeepAliveIntervalSec);
    if (ka !== undefined) this.keepAliveSec = ka ?? -1;
    const meta = applySetMeta(this.meta, headers);
    this.meta = meta.length > 0 ? meta : NO_META;
  }

  private async request(body: Buffer): Promise<Response | Failure> {
    const route = this.route;
    const headers: Array<[string, string]> = [];
    for (let i = 0; i + 1 < this.base.length; i += 2) headers.push([this.base[i] as string, this.base[i + 1] as string]);
    if (!route.noGrip) {
      headers.push(['Sec-WebSocket-Extensions', 'grip']);
      // A trusted upstream proxy's own Grip-Sig is in the forwarded headers; it does the GRIP work.
      if (!this.trusted) headers.push(['Grip-Sig', await this.ctx.proxy.gripSig(route)], ['Grip-Feature', GRIP_FEATURE]);
    }
    headers.push(
      ['Accept', WS_EVENTS_CONTENT_TYPE],
      ['Connection-Id', this.cid],
      ['Content-Type', WS_EVENTS_CONTENT_TYPE],
      ['Content-Length', String(body.length)],
      ...metaRequestHeaders(this.meta),
    );
    const outcome = await sendBackendRequest({
      target: this.target,
      method: 'POST',
      path: this.path,
      headers,
      body,
      timeoutMs: this.ctx.proxy.settings.backendTimeoutMs,
      observer: this.ctx.proxy.backendObserver,
    });
    if (!outcome.ok) return { ok: false, connect: outcome.failure === 'connect', detail: outcome.detail };
    const res = outcome.response;
    const data = await readBody(res, WOH_RESPONSE_BODY_MAX);
    if (data === 'too-large') return { ok: false, connect: false, detail: `response body over ${WOH_RESPONSE_BODY_MAX} bytes` };
    if (data === 'failed') return { ok: false, connect: false, detail: 'backend connection broke during the response' };
    return { ok: true, code: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: pairsFromRaw(res.rawHeaders), body: data };
  }

  /** The exchange with the backend is over (clean end). */
  private finish(): void {
    this.state = 'done';
    this.busy = false;
    this.endTurn();
    this.queue = NO_QUEUE;
    this.owner?.clearBackendTimer('keep-alive');
    this.owner?.clearBackendTimer('retry');
  }

  private endTurn(): void {
    const done = this.turnDone;
    this.turnDone = undefined;
    done?.();
  }

  private fail(detail: string): void {
    if (this.state === 'done') return;
    this.finish();
    this.owner?.backendGone(detail);
  }
}

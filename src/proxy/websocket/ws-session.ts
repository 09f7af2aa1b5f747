import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type WebSocket from 'ws';
import type { Route } from '../../config/route-types';
import { decodeControlMessage, type WsControlMessage, type WsSendType } from '../../grip/ws-control';
import type { GripExtension } from '../../grip/ws-extension';
import { keepAliveDelayMs } from '../../hold/stream-subscriber';
import type { CloseReason, DeliveryOutcome, Subscriber } from '../../hold/subscriber';
import type { PublishItem } from '../../publish/item-types';
import { TimerSlots } from '../../timers/timer-slots';
import { closeCodeForClient, truncateCloseReason } from './close-codes';
import { serverDataFrame } from './ws-frame';
import { WsSubscriptions } from './ws-subscriptions';
import type { BackendOwner, BackendTimer, WsBackend, WsContext, WsFrameKind } from './ws-types';

const SESSION = Symbol('thumbtack.wsSession');
type ClientSocket = WebSocket & { [SESSION]?: WsSession };

/** Timer slots of a session. */
const PING = 0;
const KEEP_ALIVE = 1;
const DELAYED = 2;
const BACKEND_KEEP_ALIVE = 3;
const BACKEND_RETRY = 4;
const SLOT_COUNT = 5;

/** Payload of the proxy's own liveness pings; a pong carrying it is not relayed to the backend. */
const PING_MARKER = Buffer.from('thumbtack');
const EMPTY = Buffer.alloc(0);

// Shared listeners: no closure per connection.
function onMessage(this: ClientSocket, data: Buffer, isBinary: boolean): void {
  this[SESSION]?.clientFrame(isBinary ? 'binary' : 'text', data);
}
function onPing(this: ClientSocket, data: Buffer): void {
  this[SESSION]?.clientFrame('ping', data);
}
function onPong(this: ClientSocket, data: Buffer): void {
  this[SESSION]?.clientFrame('pong', data);
}
function onClose(this: ClientSocket, code: number, reason: Buffer): void {
  this[SESSION]?.clientClosed(code, reason.toString('utf8'));
}
function onError(this: ClientSocket, err: Error): void {
  this[SESSION]?.clientError(err);
}

interface PendingMessage {
  type: WsSendType;
  content: Buffer;
}

export interface WsSessionOptions {
  /** The `Connection-Id`. */
  cid: string;
  route: Route;
  backend: WsBackend;
  /** Present when the backend turned GRIP mode on (and the client is not a trusted upstream proxy). */
  grip?: GripExtension;
  /** Channels of the target's `sub=` (the route prefix is added, as for `subscribe`). */
  subs: readonly string[];
}

/** The client's address, for the stats `conn` message (read once, when the session starts). */
export interface WsPeer {
  address: string;
  isTls: boolean;
}

/** Who started closing the client connection. */
type Closer = 'none' | 'backend' | 'publish' | 'proxy';

/**
 * One client WebSocket and its backend: relays messages both ways (applying the GRIP rules of the
 * `grip` extension), runs control messages, receives `ws-message` publishes as a Subscriber, and drives
 * liveness pings, keep-alives and delayed sends on the worker's timer wheel.
 */
export class WsSession implements Subscriber, BackendOwner {
  readonly kind = 'websocket';
  private ws?: ClientSocket;
  /**
   * The client socket, when messages may be written to it as ready-made frames: no extension was negotiated
   * (permessage-deflate compresses each connection's frames on its own). `ws` then writes its own frames
   * (pings, pongs, close) at once too, never queued, so the two keep their order.
   */
  private frameSocket?: Socket;
  private readonly slots: TimerSlots<Subscriber>;
  private readonly subs: WsSubscriptions;
  private detached = false;
  private clientGone = false;
  private closer: Closer = 'none';
  private heard = true;
  private awaitingPong = false;
  private keepAlive?: PendingMessage & { timeoutSec: number; mode: 'idle' | 'interval' };
  private lastSentAt = 0;
  private delayed?: PendingMessage;

  readonly cid: string;
  /** Route id when the route has an explicit `id=` (delivery limits, logs). */
  readonly route: string | undefined;
  private readonly routeInfo: Route;
  private readonly backend: WsBackend;
  private readonly grip: GripExtension | undefined;

  constructor(
    private readonly ctx: WsContext,
    opts: WsSessionOptions,
  ) {
    this.cid = opts.cid;
    this.route = opts.route.explicitId ? opts.route.id : undefined;
    this.routeInfo = opts.route;
    this.backend = opts.backend;
    this.grip = opts.grip;
    this.slots = new TimerSlots(ctx.proxy.hold.scheduler, this, SLOT_COUNT);
    this.subs = new WsSubscriptions(ctx.proxy.hold, this, opts.route.prefix, ctx.proxy.settings.connectionSubscriptionMax, opts.subs);
  }

  /** The connection id for logs and stats (the `Connection-Id`). */
  get connectionId(): string {
    return this.cid;
  }

  /** Full channel names (route prefix included) this connection is subscribed to. */
  get channels(): string[] {
    return this.subs.channels;
  }

  get channelCount(): number {
    return this.subs.channelCount;
  }

  /** Bytes the client socket has not taken yet. */
  get queuedBytes(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** Takes over the upgraded client socket; the backend starts reporting to this session. */
  start(ws: WebSocket, socket: Socket, peer: WsPeer): void {
    const client = ws as ClientSocket;
    this.ws = client;
    if (ws.extensions === '') this.frameSocket = socket;
    client[SESSION] = this;
    client.on('message', onMessage);
    client.on('ping', onPing);
    client.on('pong', onPong);
    client.on('close', onClose);
    client.on('error', onError);
    this.ctx.registry.add(this);
    const hold = this.ctx.proxy.hold;
    hold.counters.held.websocket++;
    hold.stats?.requestReceived(this.route);
    hold.stats?.connHeld({ id: this.cid, type: 'ws', peerAddress: peer.address, ssl: peer.isTls, route: this.route });
    this.subs.start();
    if (this.ctx.limits.pingIntervalMs > 0) this.slots.set(PING, this.ctx.limits.pingIntervalMs);
    this.backend.attach(this);
  }

  // ---- client side ----

  /** A message or control frame from the client. */
  clientFrame(kind: WsFrameKind, data: Buffer): void {
    this.heard = true;
    if (kind === 'pong' && data.equals(PING_MARKER)) {
      this.awaitingPong = false;
      return;
    }
    if (this.detached || this.closer !== 'none') return;
    this.backend.send(kind, data);
  }

  clientError(err: Error): void {
    this.ctx.proxy.logger.debug('websocket client error', { cid: this.cid, error: err.message });
  }

  /** The client connection is closed (code 1006: without a close handshake). */
  clientClosed(code: number, reason: string): void {
    if (this.clientGone) return;
    this.clientGone = true;
    this.unregister();
    if (this.detached || this.closer === 'publish' || this.closer === 'proxy') return;
    if (code === 1006) this.backend.disconnect();
    else if (code === 1005) this.backend.close(undefined, undefined, true);
    else this.backend.close(code, reason, true);
  }

  // ---- backend side (BackendOwner) ----

  backendMessage(kind: WsFrameKind, data: Buffer): void {
    if (this.clientGone || this.detached) return;
    let payload = data;
    if (this.grip && (kind === 'text' || kind === 'binary')) {
      if (kind === 'text' && data.length >= 2 && data[0] === 0x63 && data[1] === 0x3a) {
        this.control(data.subarray(2));
        return;
      }
      const prefix = this.grip.messagePrefix;
      if (data.length < prefix.length || data.toString('latin1', 0, prefix.length) !== prefix) {
        this.ctx.proxy.logger.debug('dropping backend message without the message prefix', { cid: this.cid });
        return;
      }
      payload = data.subarray(prefix.length);
    }
    this.sendToClient(kind, payload);
  }

  backendClose(code: number | undefined, reason: string): void {
    if (this.clientGone || this.detached || this.closer !== 'none') return;
    this.closer = 'backend';
    this.closeClient(closeCodeForClient(code), reason);
  }

  backendGone(detail: string): void {
    if (this.clientGone || this.detached || this.closer !== 'none') return;
    this.ctx.proxy.logger.warn('websocket backend failed; closing the client', { cid: this.cid, route: this.routeInfo.id, detail });
    this.closer = 'proxy';
    this.closeClient(1011, 'Backend error');
  }

  backendWritable(writable: boolean): void {
    if (!this.ws || this.clientGone) return;
    if (writable) this.ws.resume();
    else this.ws.pause();
  }

  setBackendTimer(timer: BackendTimer, delayMs: number): void {
    this.slots.set(timer === 'keep-alive' ? BACKEND_KEEP_ALIVE : BACKEND_RETRY, delayMs);
  }

  clearBackendTimer(timer: BackendTimer): void {
    this.slots.clear(timer === 'keep-alive' ? BACKEND_KEEP_ALIVE : BACKEND_RETRY);
  }

  // ---- Subscriber ----

  deliver(item: PublishItem): DeliveryOutcome {
    const f = item.formats['ws-message'];
    if (!f) return 'ignored';
    if (this.clientGone || this.closer !== 'none') return 'closed';
    const filtered = this.subs.filter(item, f.contentFilters, f.content ?? EMPTY);
    if (filtered.kind === 'skip') return 'ignored';
    if (filtered.kind === 'error') return this.filterError(filtered.message, filtered.mismatch ? 'ignored' : 'dropped');
    const content = filtered.content;
    switch (f.action) {
      case 'close':
        this.closer = 'publish';
        this.closeClient(closeCodeForClient(f.code), f.reason ?? '');
        if (!this.detached) this.backend.close();
        return 'sent';
      case 'refresh':
        return this.backend.refresh() ? 'sent' : 'ignored';
      case 'send':
        return this.sendToClient(f.type, content);
      default:
        return 'ignored';
    }
  }

  onTimer(): void {
    const due = this.slots.expire();
    if (due & (1 << PING)) this.livenessCheck();
    if (due & (1 << KEEP_ALIVE)) this.keepAliveDue();
    if (due & (1 << DELAYED)) this.flushDelayed();
    if (due & (1 << BACKEND_KEEP_ALIVE)) this.backend.onTimer('keep-alive');
    if (due & (1 << BACKEND_RETRY)) this.backend.onTimer('retry');
  }

  /** Closes the client for the proxy's own reasons (shutdown, slow reader, dead peer); the backend is told the client left. */
  close(reason: CloseReason): void {
    if (this.clientGone || !this.ws) return;
    const first = this.closer === 'none';
    if (first) this.closer = 'proxy';
    if (reason === 'slow') this.ctx.proxy.hold.counters.closedSlow++;
    if (reason === 'slow' || reason === 'gone' || reason === 'error') this.ws.terminate();
    else this.closeClient(reason === 'shutdown' ? 1001 : 1000, reason === 'shutdown' ? 'Server shutting down' : '');
    if (first && !this.detached) this.backend.disconnect();
  }

  /** WebSocket-over-HTTP: sends a request to the backend now (command socket, `refresh` publish). */
  refresh(): boolean {
    return this.backend.refresh();
  }

  // ---- internals ----

  private sendToClient(kind: WsFrameKind, data: Buffer): DeliveryOutcome {
    const ws = this.ws;
    if (!ws || this.clientGone || ws.readyState !== 1) return 'closed';
    if (kind === 'text' || kind === 'binary') {
      if (this.frameSocket !== undefined) this.frameSocket.write(serverDataFrame(kind, data));
      else ws.send(data, { binary: kind === 'binary' });
    } else if (data.length > 125) {
      this.ctx.proxy.logger.debug('dropping a ping/pong payload over 125 bytes', { cid: this.cid });
      return 'dropped';
    } else if (kind === 'ping') ws.ping(data);
    else ws.pong(data);
    if (this.keepAlive) this.lastSentAt = performance.now();
    if (ws.bufferedAmount > this.ctx.proxy.hold.maxQueuedBytes) {
      this.ctx.proxy.logger.warn('closing slow websocket client', { cid: this.cid, queuedBytes: ws.bufferedAmount });
      this.close('slow');
      return 'closed';
    }
    return 'sent';
  }

  private closeClient(code: number, reason: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    ws.close(code, truncateCloseReason(reason));
  }

  /** In debug mode a content-filter mismatch or a filter error closes the client with 1011, as Pushpin does. */
  private filterError(message: string, outcome: DeliveryOutcome): DeliveryOutcome {
    this.ctx.proxy.logger.debug('publish not delivered to a websocket', { cid: this.cid, reason: message });
    if (!this.ctx.proxy.settings.debug && !this.routeInfo.debug) return outcome;
    this.closer = 'publish';
    this.closeClient(1011, message);
    if (!this.detached) this.backend.close();
    return 'closed';
  }

  private unregister(): void {
    this.subs.clear();
    this.ctx.registry.remove(this);
    this.ctx.proxy.hold.counters.held.websocket--;
    this.ctx.proxy.hold.stats?.connEnded(this.cid);
    this.slots.clear(PING);
    this.slots.clear(KEEP_ALIVE);
    this.slots.clear(DELAYED);
    this.keepAlive = undefined;
    this.delayed = undefined;
  }

  private control(json: Buffer): void {
    const decoded = decodeControlMessage(json);
    if (!decoded.ok) {
      this.ctx.proxy.logger.debug('ignoring invalid control message', { cid: this.cid, reason: decoded.error.message });
      return;
    }
    this.applyControl(decoded.value);
  }

  private applyControl(msg: WsControlMessage): void {
    switch (msg.type) {
      case 'subscribe':
        if (!this.subs.subscribe(msg.channel, msg.filters)) {
          const max = this.ctx.proxy.settings.connectionSubscriptionMax;
          this.ctx.proxy.logger.warn('too many subscriptions for one connection; ignored', { cid: this.cid, channel: msg.channel, max });
        }
        return;
      case 'unsubscribe':
        this.subs.unsubscribe(msg.channel);
        return;
      case 'detach':
        if (this.detached) return;
        this.detached = true;
        this.backend.close();
        return;
      case 'set-meta':
        this.subs.setMeta(msg.name, msg.value);
        return;
      case 'keep-alive':
        if (msg.content === undefined) {
          this.keepAlive = undefined;
          this.slots.clear(KEEP_ALIVE);
          return;
        }
        this.keepAlive = { type: msg.messageType, content: msg.content, timeoutSec: msg.timeoutSec, mode: msg.mode };
        this.lastSentAt = performance.now();
        this.slots.set(KEEP_ALIVE, keepAliveDelayMs(msg.timeoutSec));
        return;
      case 'send-delayed':
        this.flushDelayed();
        if (msg.content === undefined) return;
        this.delayed = { type: msg.messageType, content: msg.content };
        this.slots.set(DELAYED, msg.timeoutSec * 1000);
        return;
      case 'flush-delayed':
        this.flushDelayed();
        return;
      case 'session':
        this.ctx.proxy.logger.debug('session control message ignored (no state service)', { cid: this.cid });
        return;
    }
  }

  private flushDelayed(): void {
    const pending = this.delayed;
    if (!pending) return;
    this.delayed = undefined;
    this.slots.clear(DELAYED);
    this.sendToClient(pending.type, pending.content);
  }

  private keepAliveDue(): void {
    const ka = this.keepAlive;
    if (!ka || this.clientGone) return;
    const wait = keepAliveDelayMs(ka.timeoutSec);
    if (ka.mode === 'idle') {
      const idle = performance.now() - this.lastSentAt;
      if (idle < wait) {
        this.slots.set(KEEP_ALIVE, wait - idle);
        return;
      }
    }
    this.sendToClient(ka.type, ka.content);
    if (this.keepAlive === ka) this.slots.set(KEEP_ALIVE, wait);
  }

  private livenessCheck(): void {
    if (this.clientGone || !this.ws) return;
    if (this.heard) {
      this.heard = false;
      this.awaitingPong = false;
    } else if (this.awaitingPong) {
      this.ctx.proxy.logger.info('dropping a websocket client that stopped answering pings', { cid: this.cid });
      this.close('gone');
      return;
    } else if (this.ws.readyState === 1) {
      this.ws.ping(PING_MARKER);
      this.awaitingPong = true;
    }
    this.slots.set(PING, this.ctx.limits.pingIntervalMs);
  }
}

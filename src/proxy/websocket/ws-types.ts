/** Shared types of the WebSocket module: the context of one worker, limits, and the backend seam. */
import type { GripExtension } from '../../grip/ws-extension';
import { MIN_KEEP_ALIVE_INTERVAL_SEC } from '../../grip/ws-over-http-headers';
import type { ProxyContext } from '../proxy-context';
import { DISCONNECT_CONCURRENCY, type DisconnectQueue } from './disconnect-queue';
import type { WsRegistry } from './ws-registry';

/** What a WebSocket message or control frame is. */
export type WsFrameKind = 'text' | 'binary' | 'ping' | 'pong';

/** Limits of client WebSocket connections (every one has a default; see DEFAULT_WS_LIMITS). */
export interface WsLimits {
  /** Largest message, in bytes, a client or a passthrough backend may send; a bigger one closes with 1009. */
  maxMessageBytes: number;
  /**
   * Milliseconds between liveness checks: a client silent for a whole period is pinged, and one still
   * silent a period later is dropped. 0 turns the checks off.
   */
  pingIntervalMs: number;
  /** Milliseconds clients get to finish their close handshake at shutdown before being dropped. */
  shutdownGraceMs: number;
  /** Seconds: smaller WebSocket-over-HTTP `Keep-Alive-Interval` values are raised to this (Pushpin: 20). */
  minKeepAliveIntervalSec: number;
  /** WebSocket-over-HTTP requests of sessions whose clients left, in flight per backend target (disconnect-queue.ts). */
  disconnectConcurrency: number;
}

export const DEFAULT_WS_LIMITS: WsLimits = {
  maxMessageBytes: 1_000_000,
  pingIntervalMs: 45_000,
  shutdownGraceMs: 1_000,
  minKeepAliveIntervalSec: MIN_KEEP_ALIVE_INTERVAL_SEC,
  disconnectConcurrency: DISCONNECT_CONCURRENCY,
};

/** What every WebSocket session of one worker shares. */
export interface WsContext {
  proxy: ProxyContext;
  limits: WsLimits;
  registry: WsRegistry;
  /** Paces the DISCONNECT requests of sessions whose clients left. */
  disconnects: DisconnectQueue;
}

/** Deadlines a backend may set through its session (the session owns the one wheel entry). */
export type BackendTimer = 'keep-alive' | 'retry';

/** The session side of a backend: how a backend reports what it receives. */
export interface BackendOwner {
  /** A message or control frame from the backend, for the client (GRIP rules not yet applied). */
  backendMessage(kind: WsFrameKind, data: Buffer): void;
  /** The backend closed (code undefined: no code given). */
  backendClose(code: number | undefined, reason: string): void;
  /** The backend failed or vanished: the client is dropped (unless detached). */
  backendGone(detail: string): void;
  /** The backend can (true) or cannot (false) take more client messages now; the client is paused meanwhile. */
  backendWritable(writable: boolean): void;
  setBackendTimer(timer: BackendTimer, delayMs: number): void;
  clearBackendTimer(timer: BackendTimer): void;
}

/** One connection to the backend: a real WebSocket, WebSocket-over-HTTP, or the built-in test endpoint. */
export interface WsBackend {
  /** Starts reporting to the session (events received with the handshake answer are reported now). */
  attach(owner: BackendOwner): void;
  /** A client message or control frame. */
  send(kind: WsFrameKind, data: Buffer): void;
  /**
   * Closes towards the backend: with the client's code and reason, or bare (detach, publish close).
   * `clientGone`: the client closed (its close frame is answered), so nobody waits for this.
   */
  close(code?: number, reason?: string, clientGone?: boolean): void;
  /** The client vanished without a close handshake. */
  disconnect(): void;
  /** WebSocket-over-HTTP: send a request now. Returns false when the backend cannot be refreshed. */
  refresh(): boolean;
  /** A deadline set through the owner expired. */
  onTimer(timer: BackendTimer): void;
}

/** How a backend answered the handshake. */
export type HandshakeOutcome =
  | {
      kind: 'accept';
      backend: WsBackend;
      /** Headers for the client's 101, `Sec-WebSocket-Protocol` included (private and extension headers removed). */
      headers: Array<[string, string]>;
      /** Present when the backend turned GRIP mode on. */
      grip?: GripExtension;
      /** The backend's `Sec-WebSocket-Extensions` values (relayed only to a trusted upstream proxy). */
      extensions?: string[];
    }
  | { kind: 'reject'; code: number; reason: string; headers: Array<[string, string]>; body: Buffer }
  /** `connectFailure`: the target was not reached (the next target is tried). */
  | { kind: 'fail'; connectFailure: boolean; detail: string };

import type { ChannelIndex } from '../../hold/channel-index';
import type { CloseReason } from '../../hold/subscriber';

/** What the registry needs of a session. */
export interface RegisteredSession {
  /** The `Connection-Id` (a UUID), also the id in stats and commands. */
  readonly cid: string;
  /** Makes a WebSocket-over-HTTP session send a request now; false for other backends. */
  refresh(): boolean;
  close(reason: CloseReason): void;
  /** Route id when the route has an explicit `id=` (metrics, dashboard). */
  readonly route?: string;
  /** Full channel names it is subscribed to (dashboard). */
  readonly channels?: readonly string[];
  /** Bytes queued towards the client (dashboard). */
  readonly queuedBytes?: number;
}

/**
 * The live client WebSockets of one worker by connection id, for the command socket (`refresh`,
 * `conncheck`) and shutdown. A session is listed from its 101 until its client connection closes.
 */
export class WsRegistry {
  private readonly byCid = new Map<string, RegisteredSession>();

  add(session: RegisteredSession): void {
    this.byCid.set(session.cid, session);
  }

  remove(session: RegisteredSession): void {
    if (this.byCid.get(session.cid) === session) this.byCid.delete(session.cid);
  }

  get size(): number {
    return this.byCid.size;
  }

  has(cid: string): boolean {
    return this.byCid.has(cid);
  }

  /** The open sessions, in the order they opened (metrics, dashboard). */
  values(): IterableIterator<RegisteredSession> {
    return this.byCid.values();
  }

  /** The session with this connection id, if open here. */
  get(cid: string): RegisteredSession | undefined {
    return this.byCid.get(cid);
  }

  /**
   * `refresh {cid}`: false when no such connection is open here (Pushpin answers `item-not-found`); true
   * otherwise, even when the connection is not WebSocket-over-HTTP (nothing is sent then).
   */
  refreshConnection(cid: string): boolean {
    const session = this.byCid.get(cid);
    if (!session) return false;
    session.refresh();
    return true;
  }

  /** `refresh {channel}`: refreshes every WebSocket-over-HTTP session subscribed to the channel; returns how many. */
  refreshChannel(index: ChannelIndex, channel: string): number {
    const set = index.get(channel);
    if (!set) return 0;
    let n = 0;
    for (const sub of [...set]) {
      const cid = (sub as Partial<RegisteredSession>).cid;
      if (sub.kind !== 'websocket' || cid === undefined) continue;
      const session = this.byCid.get(cid);
      if (session !== undefined && (session as unknown) === sub && session.refresh()) n++;
    }
    return n;
  }

  /** Closes every session (shutdown). */
  closeAll(reason: CloseReason): void {
    for (const session of [...this.byCid.values()]) session.close(reason);
  }
}

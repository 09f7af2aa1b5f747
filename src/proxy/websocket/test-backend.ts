import type { BackendOwner, WsBackend, WsFrameKind } from './ws-types';

/**
 * Pushpin's built-in `test` target for WebSockets: the connection is subscribed to the channels named by
 * `?channel=` (default `test`; the gateway passes them as `sub=` channels) and every client message is
 * echoed back.
 */
export class TestBackend implements WsBackend {
  private owner?: BackendOwner;
  private closed = false;

  attach(owner: BackendOwner): void {
    this.owner = owner;
  }

  send(kind: WsFrameKind, data: Buffer): void {
    if (this.closed) return;
    if (kind === 'ping') this.owner?.backendMessage('pong', data);
    else if (kind !== 'pong') this.owner?.backendMessage(kind, data);
  }

  close(code?: number, reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.owner?.backendClose(code, reason ?? '');
  }

  disconnect(): void {
    this.closed = true;
  }

  refresh(): boolean {
    return false;
  }

  onTimer(): void {
    // No deadlines.
  }
}

/** The channels of a test WebSocket URL: every `channel` query value, or `test`. */
export function testChannels(url: string): string[] {
  const channels = new URL(url, 'http://test.invalid').searchParams.getAll('channel').filter((c) => c !== '');
  return channels.length > 0 ? channels : ['test'];
}

import type { Bus } from './bus';
import type { PublishItem } from './item-types';

/** The bus for `workers=1`: intakes and the single worker share one process, so items are handed over directly. */
export class InProcessBus implements Bus {
  private readonly channels = new Set<string>();
  private readonly itemHandlers: Array<(item: PublishItem) => void> = [];
  private readonly interestHandlers: Array<(channel: string, interested: boolean) => void> = [];
  private closed = false;

  publish(items: readonly PublishItem[]): void {
    if (this.closed) return;
    for (const item of items) {
      if (!this.channels.has(item.channel)) continue;
      for (const handler of this.itemHandlers) handler(item);
    }
  }

  subscribe(channel: string): void {
    if (this.channels.has(channel)) return;
    this.channels.add(channel);
    for (const handler of this.interestHandlers) handler(channel, true);
  }

  unsubscribe(channel: string): void {
    if (!this.channels.delete(channel)) return;
    for (const handler of this.interestHandlers) handler(channel, false);
  }

  onItem(handler: (item: PublishItem) => void): void {
    this.itemHandlers.push(handler);
  }

  hasSubscribers(channel: string): boolean {
    return this.channels.has(channel);
  }

  onInterest(handler: (channel: string, interested: boolean) => void): void {
    this.interestHandlers.push(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}

import type { PublishItem } from './item-types';

/**
 * Carries published items from the intakes (supervisor side) to the workers that hold subscribers of their
 * channel. Workers announce interest per channel on 0→1 and 1→0 transitions only, never per client.
 * Implementations: in-process (one worker), ZeroMQ PUB/SUB between processes (later).
 */
export interface Bus {
  /** Supervisor side: send items to every worker that subscribed to their channel. */
  publish(items: readonly PublishItem[]): void;
  /** Worker side: start receiving items of this channel. */
  subscribe(channel: string): void;
  /** Worker side: stop receiving items of this channel. */
  unsubscribe(channel: string): void;
  /** Worker side: the handler receives every item of a subscribed channel, in publish order. */
  onItem(handler: (item: PublishItem) => void): void;
  /** Supervisor side: is any worker subscribed to this channel? (for SUB intakes and sequencing) */
  hasSubscribers(channel: string): boolean;
  /** Supervisor side: called on 0→1 (`true`) and 1→0 (`false`) transitions of a channel across all workers. */
  onInterest(handler: (channel: string, interested: boolean) => void): void;
  close(): Promise<void>;
}

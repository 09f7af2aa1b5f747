import type { PublishItem } from '../publish/item-types';
import type { HoldContext } from './hold-context';
import type { Subscriber } from './subscriber';

/**
 * Hands one item to every subscriber of its channel in this worker. The item's format payloads are Buffers
 * decoded once at intake, so every subscriber is written the same bytes.
 */
export function fanOut(ctx: HoldContext, item: PublishItem): number {
  const set = ctx.index.get(item.channel);
  if (!set || set.size === 0) return 0;
  // Delivery may unsubscribe (close, long-poll answered), so iterate over a snapshot.
  const subscribers: Subscriber[] = [...set];
  let receivers = 0;
  for (const sub of subscribers) {
    const outcome = sub.deliver(item);
    if (outcome === 'sent' || outcome === 'backpressure') {
      receivers++;
      ctx.counters.delivered++;
    } else if (outcome === 'dropped') {
      ctx.counters.dropped++;
    }
  }
  if (ctx.logger.enabled(3)) ctx.logger.debug('publish', { channel: item.channel, receivers });
  return receivers;
}

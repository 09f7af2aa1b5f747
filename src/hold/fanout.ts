import type { PublishItem } from '../publish/item-types';
import type { DeliveryCounts, Transport } from '../stats/stats-events';
import type { HoldContext } from './hold-context';
import type { DeliveryOutcome, Subscriber } from './subscriber';

const TRANSPORT: Record<Subscriber['kind'], Transport> = { response: 'http-response', stream: 'http-stream', websocket: 'ws-message' };

/**
 * Hands one item to every subscriber of its channel in this worker. The item's format payloads are Buffers
 * decoded once at intake, so every subscriber is written the same bytes. With `message_rate` set, each
 * delivery is queued on its route's bucket of the delivery limiter instead (receivers are counted when
 * queued, as Pushpin does); a route at `message_hwm` drops it, counted and logged.
 */
export function fanOut(ctx: HoldContext, item: PublishItem): number {
  const set = ctx.index.get(item.channel);
  if (!set || set.size === 0) return 0;
  // Delivery may unsubscribe (close, long-poll answered), so iterate over a snapshot.
  const subscribers: Subscriber[] = [...set];
  let receivers = 0;
  const counts: DeliveryCounts | undefined = ctx.stats ? { 'http-response': 0, 'http-stream': 0, 'ws-message': 0 } : undefined;
  const limiter = ctx.reliable.deliveries;
  for (const sub of subscribers) {
    if (limiter !== undefined) {
      const transport = TRANSPORT[sub.kind];
      const format = item.formats[transport];
      if (format === undefined) continue;
      if (!limiter.add(sub.route ?? '', deliveryWeight(item, payloadSize(format), ctx.reliable.blockSize), sub, item)) {
        ctx.counters.dropped++;
        ctx.counters.droppedHwm++;
        ctx.reliable.drops.drop('exceeded publish hwm, dropping message', {
          route: sub.route ?? '',
          connection: sub.connectionId,
          channel: item.channel,
          id: item.id,
        });
        continue;
      }
      receivers++;
      if (counts) counts[transport]++;
      continue;
    }
    const outcome = deliverNow(ctx, sub, item);
    if (outcome === 'sent' || outcome === 'backpressure') {
      receivers++;
      if (counts) counts[TRANSPORT[sub.kind]]++;
    }
  }
  if (counts && receivers > 0) ctx.stats?.delivered(item.channel, item.id, counts, item.size);
  if (ctx.logger.enabled(3)) ctx.logger.debug('publish', { channel: item.channel, receivers });
  return receivers;
}

/** Runs one delivery (at once, or when the delivery limiter lets it through) and counts its outcome. */
export function deliverNow(ctx: HoldContext, sub: Subscriber, item: PublishItem): DeliveryOutcome {
  let outcome: DeliveryOutcome;
  try {
    outcome = sub.deliver(item);
  } catch (err) {
    // One subscriber's failure (a write the runtime refuses) must not cost the others their message.
    ctx.logger.error('delivery failed; closing that connection', { channel: item.channel, error: String(err) });
    sub.close('error');
    ctx.counters.dropped++;
    return 'closed';
  }
  if (outcome === 'sent' || outcome === 'backpressure') ctx.counters.delivered++;
  else if (outcome === 'dropped') ctx.counters.dropped++;
  return outcome;
}

/** Bytes of a format's payload (body or content). */
function payloadSize(format: { body?: Buffer; content?: Buffer }): number {
  return format.body?.length ?? format.content?.length ?? 0;
}

/**
 * Units one delivery weighs in the delivery limiter: 1, or with `message_block_size` the item's blocks
 * (`ceil(size / blockSize)`, `size` being the item's `size` field or the payload length).
 */
export function deliveryWeight(item: PublishItem, payloadBytes: number, blockSize: number | undefined): number {
  if (blockSize === undefined || blockSize <= 0) return 1;
  return Math.ceil((item.size ?? payloadBytes) / blockSize);
}

/**
 * History replay for held streams (Thumbtack only; Pushpin has no history). When a stream hold starts, each
 * channel's resume position is, in order of preference: the `prev-id` the backend gave (it has sent
 * everything up to there), the client's `Grip-Last: <channel>; last-id=<id>` request header, or the SSE
 * `Last-Event-ID` request header. The items the history holds after that position are replayed before any
 * live item; since replay and registration happen in the same tick as the publish path appends to the
 * history, nothing is sent twice and nothing is skipped.
 *
 * When the history cannot cover a client's position (the id is unknown or too old), the stream falls back to
 * its next link (the fetch carries `Grip-Last` with that position); without a link, an SSE client is sent a
 * `stream-reset` event. A backend `prev-id` the history does not know is left to Pushpin's rules.
 */
import { headerText, param, parseHeaderList } from '../grip/header-params';
import type { HttpStreamFormat, PublishItem } from '../publish/item-types';
import type { HoldContext } from './hold-context';
import type { HeldChannel } from './next-link';
import type { DeliveryOutcome } from './subscriber';

/** Where the client says it stopped (request headers); only read when history is on. */
export interface ClientCursors {
  /** SSE `Last-Event-ID`. */
  lastEventId?: string;
  /** `Grip-Last` request headers: channel name (as the backend names it) → last id. */
  byName: Map<string, string>;
}

/** A channel whose client position the history could not serve. */
export interface CursorGap {
  name: string;
  cursor: string;
}

type Process = (item: PublishItem, format: HttpStreamFormat) => DeliveryOutcome;

/**
 * The client's cursors from its request headers: `Last-Event-ID` (first line), and every
 * `Grip-Last: <channel>; last-id=<id>` element. Returns undefined when there are none.
 */
export function clientCursors(headers: ReadonlyArray<readonly [string, string]>): ClientCursors | undefined {
  let lastEventId: string | undefined;
  const byName = new Map<string, string>();
  const gripLast: string[] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'last-event-id' && lastEventId === undefined) lastEventId = headerText(value.trim());
    else if (lower === 'grip-last') gripLast.push(value);
  }
  for (const el of parseHeaderList(gripLast)) {
    const id = param(el, 'last-id');
    if (id !== undefined) byName.set(headerText(el.value), headerText(id));
  }
  if (lastEventId === '') lastEventId = undefined;
  if (lastEventId === undefined && byName.size === 0) return undefined;
  return lastEventId === undefined ? { byName } : { lastEventId, byName };
}

/** Moves a channel's last id past an item this stream does not get (no `http-stream` format). */
function skip(c: HeldChannel, item: PublishItem): void {
  if (c.prevId !== undefined && item.prevId === c.prevId) c.prevId = item.id;
}

/**
 * Replays, for every channel with a resume position, what the history holds after it.
 * @returns the channels the history covered (full names) and the client positions it could not serve.
 */
export function replayOnHold(
  ctx: HoldContext,
  held: ReadonlyMap<string, HeldChannel>,
  cursors: ClientCursors | undefined,
  process: Process,
): { covered: Set<string>; gaps: CursorGap[] } {
  const covered = new Set<string>();
  const gaps: CursorGap[] = [];
  const history = ctx.reliable.history;
  if (history === undefined) return { covered, gaps };
  const eventIdMisses: CursorGap[] = [];
  let eventIdFound = false;
  for (const [full, c] of held) {
    const own = cursors?.byName.get(c.name);
    const cursor = c.prevId ?? own ?? cursors?.lastEventId;
    if (cursor === undefined) continue;
    const r = history.after(full, cursor);
    if (r.kind === 'gap') {
      if (c.prevId !== undefined) continue; // the backend's position: Pushpin's conflict check decides
      (own !== undefined ? gaps : eventIdMisses).push({ name: c.name, cursor });
      continue;
    }
    covered.add(full);
    if (c.prevId === undefined && own === undefined) eventIdFound = true;
    for (const item of r.items) {
      const f = item.formats['http-stream'];
      if (f === undefined) {
        skip(c, item);
        continue;
      }
      ctx.counters.replayed++;
      if (process(item, f) === 'closed') return { covered, gaps };
    }
  }
  // One Last-Event-ID for several channels: it belongs to the channel that knows it; only when none does is
  // it a gap.
  if (!eventIdFound) gaps.push(...eventIdMisses);
  return { covered, gaps };
}

/**
 * A live item does not follow the channel's last id: replays from the history what came between, up to and
 * including that item. False when the history cannot (unknown position, broken chain, item not found).
 */
export function replayUpTo(ctx: HoldContext, channel: string, c: HeldChannel, itemId: string, process: Process): boolean {
  const history = ctx.reliable.history;
  if (history === undefined || c.prevId === undefined) return false;
  const r = history.after(channel, c.prevId);
  if (r.kind !== 'found') return false;
  const end = r.items.findIndex((i) => i.id === itemId);
  if (end < 0) return false;
  for (let i = 0; i <= end; i++) {
    const item = r.items[i] as PublishItem;
    const f = item.formats['http-stream'];
    if (f === undefined) {
      skip(c, item);
      continue;
    }
    if (i < end) ctx.counters.replayed++;
    if (process(item, f) === 'closed') break;
  }
  return true;
}

/**
 * The SSE event telling the application that the stream skipped items nobody could recover:
 * `event: stream-reset` with JSON data `{"reason": ..., "channels": [{"channel": ..., "last-id": ...}]}`.
 */
export function streamResetEvent(channels: ReadonlyArray<Pick<HeldChannel, 'name' | 'prevId'>>, reason: string): Buffer {
  const data = {
    reason,
    channels: channels.map((c) => (c.prevId === undefined ? { channel: c.name } : { channel: c.name, 'last-id': c.prevId })),
  };
  return Buffer.from(`event: stream-reset\ndata: ${JSON.stringify(data)}\n\n`);
}

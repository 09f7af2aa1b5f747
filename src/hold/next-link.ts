/**
 * Pure rules for next links (spec grip-headers.md §6-7): the `Grip-Last` headers of a fetch, the retry
 * backoff, whether a link goes through the client's route, and how a new instruction's channels replace the
 * old ones. The fetching itself is in `proxy/link-fetcher.ts`; the stream state machine in
 * `stream-subscriber.ts`.
 */
import { toHeaderString } from '../grip/header-params';

/** Failed fetches (before any body byte was sent) are retried this many times. */
export const NEXT_LINK_RETRY_MAX = 5;
/** First retry delay, ms; doubled each time. */
export const NEXT_LINK_RETRY_BASE_MS = 1000;
/** Random extra delay, 0 to this many ms (exclusive). */
export const NEXT_LINK_RETRY_JITTER_MS = 1000;
/** Items queued per stream while its next link is fetched; more are dropped. */
export const STREAM_QUEUE_MAX = 100;

/** One subscribed channel of a held connection. */
export interface HeldChannel {
  /** The name as the backend gave it (no route prefix); `Grip-Last` and filters use it. */
  name: string;
  /** The connection's current last id for the channel (`prev-id`, advanced by delivered items). */
  prevId?: string;
  filters: string[];
}

/**
 * Delay before retry number `attempt` (0-based): 1, 2, 4, 8, 16 s plus 0–999 ms, or undefined when the
 * retries are used up.
 */
export function nextLinkRetryDelayMs(attempt: number, random: () => number = Math.random): number | undefined {
  if (attempt < 0 || attempt >= NEXT_LINK_RETRY_MAX) return undefined;
  return NEXT_LINK_RETRY_BASE_MS * 2 ** attempt + Math.floor(random() * NEXT_LINK_RETRY_JITTER_MS);
}

/** `Grip-Last` headers, one per channel that has a last id: `<name>; last-id=<id>` (UTF-8 bytes as a header string). */
export function gripLastHeaders(channels: Iterable<HeldChannel>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const c of channels) if (c.prevId !== undefined) out.push(['Grip-Last', toHeaderString(`${c.name}; last-id=${c.prevId}`)]);
  return out;
}

function effectivePort(u: URL): string {
  if (u.port !== '') return u.port;
  return u.protocol === 'https:' ? '443' : '80';
}

/**
 * `route` when the link has the scheme, host and port of the URI it was resolved against (the request is
 * sent through the client's route), else `direct` (straight to the link's host and port).
 */
export function linkMode(currentUri: string, linkUri: string): 'route' | 'direct' {
  try {
    const a = new URL(currentUri);
    const b = new URL(linkUri);
    return a.protocol === b.protocol && a.hostname === b.hostname && effectivePort(a) === effectivePort(b) ? 'route' : 'direct';
  } catch {
    return 'direct';
  }
}

/** The link without its query: the key that groups re-fetches and rate-limited updates. */
export function linkKey(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/**
 * Replaces a connection's channels with those of a new instruction (full name → channel). Implicit
 * channels (route `sub=`) always stay. Returns the new map and the full names added and removed; a channel
 * in both keeps its entry with the new `prev-id` and filters.
 */
export function replaceChannels(
  current: ReadonlyMap<string, HeldChannel>,
  next: ReadonlyMap<string, HeldChannel>,
  implicit: ReadonlySet<string>,
): { channels: Map<string, HeldChannel>; added: string[]; removed: string[] } {
  const channels = new Map<string, HeldChannel>();
  const added: string[] = [];
  const removed: string[] = [];
  for (const [full, c] of current) {
    if (implicit.has(full) && !next.has(full)) channels.set(full, c);
    else if (!next.has(full)) removed.push(full);
  }
  for (const [full, c] of next) {
    if (!current.has(full)) added.push(full);
    channels.set(full, c);
  }
  return { channels, added, removed };
}

/** The filter context's channel map: backend names → current last ids. */
export function prevIdMap(channels: Iterable<HeldChannel>): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const c of channels) m.set(c.name, c.prevId);
  return m;
}

/**
 * The stats PUB socket's messages (spec/stats.md §1-2): builders for each type with Pushpin's field names,
 * and the single-frame codec `<type> T<tnetstring dict>` / `<type> J<compact JSON object>`. Pure.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { decodeTnetstring, encodeTnetstring } from '../core/tnetstring';
import type { TnetValue } from '../core/tnetstring';
import type { ConnType, SubMode, Transport } from './stats-events';

export type StatsType = 'conn' | 'sub' | 'message' | 'activity' | 'counts' | 'report';
export type StatsFormat = 'tnetstring' | 'json';

/** Field values Thumbtack sends: strings go out as byte strings (tnetstring) or JSON strings. */
export type StatsFields = Record<string, string | number | boolean>;

export interface StatsMessage {
  type: StatsType;
  fields: StatsFields;
}

/** A message read back from a stats socket: any type name, values as JSON values (bytes decoded as UTF-8). */
export interface DecodedStatsMessage {
  type: string;
  fields: Record<string, unknown>;
}

/** Error code for a stats frame that is not `<type> T<tnetstring dict>` or `<type> J<JSON object>`. */
export const BAD_STATS_FRAME = 'STATS_BAD_FRAME';

/** The traffic counters of a 1.36 `report`, in Pushpin's order (all zero until measured). */
export const TRAFFIC_FIELDS = [
  'client-header-bytes-received',
  'client-header-bytes-sent',
  'client-content-bytes-received',
  'client-content-bytes-sent',
  'client-messages-received',
  'client-messages-sent',
  'server-header-bytes-received',
  'server-header-bytes-sent',
  'server-content-bytes-received',
  'server-content-bytes-sent',
  'server-messages-received',
  'server-messages-sent',
] as const;

/** Totals of one report period. */
export interface ReportTotals {
  /** Peak concurrent connections during the period. */
  connections: number;
  /** Connection-minutes (a new connection counts one at once, then one per full minute). */
  minutes: number;
  /** Items accepted by the publish intakes. */
  received: number;
  /** Deliveries to clients. */
  sent: number;
  /** Deliveries to long-polls (part of `sent`). */
  httpResponseSent: number;
  /** Only with `message_block_size`. */
  blocksReceived?: number;
  blocksSent?: number;
  /** Milliseconds the period lasted. */
  durationMs: number;
  /** Traffic counters by their Pushpin name; missing ones are sent as 0. */
  traffic?: Partial<Record<(typeof TRAFFIC_FIELDS)[number], number>>;
}

function withCommon(fields: StatsFields, from: string, route: string | undefined): StatsFields {
  fields.from = from;
  if (route !== undefined && route !== '') fields.route = route;
  return fields;
}

/** A connected `conn`: `id`, `type`, `peer-address`, `ssl` (only when true), `ttl` (seconds). */
export function connMessage(
  from: string,
  conn: { id: string; type: ConnType; peerAddress: string; ssl: boolean; route?: string },
  ttlSec: number,
): StatsMessage {
  const fields: StatsFields = { id: conn.id, type: conn.type };
  if (conn.peerAddress !== '') fields['peer-address'] = conn.peerAddress;
  if (conn.ssl) fields.ssl = true;
  fields.ttl = ttlSec;
  return { type: 'conn', fields: withCommon(fields, from, conn.route) };
}

/** A disconnected `conn`: `id`, `unavailable: true`. */
export function connGoneMessage(from: string, id: string, route?: string): StatsMessage {
  return { type: 'conn', fields: withCommon({ id, unavailable: true }, from, route) };
}

/** A subscribed `sub`: `mode`, `channel`, `ttl` (seconds), `subscribers`. */
export function subMessage(from: string, mode: SubMode, channel: string, ttlSec: number, subscribers: number): StatsMessage {
  return { type: 'sub', fields: withCommon({ mode, channel, ttl: ttlSec, subscribers }, from, undefined) };
}

/** An unsubscribed `sub`: `mode`, `channel`, `unavailable: true`. */
export function subGoneMessage(from: string, mode: SubMode, channel: string): StatsMessage {
  return { type: 'sub', fields: withCommon({ mode, channel, unavailable: true }, from, undefined) };
}

/** A `message`: one per transport that had receivers. `blocks` only with `message_block_size`. */
export function messageMessage(
  from: string,
  channel: string,
  itemId: string | undefined,
  transport: Transport,
  count: number,
  blocks?: number,
): StatsMessage {
  const fields: StatsFields = { channel };
  if (itemId !== undefined) fields['item-id'] = itemId;
  fields.count = Math.max(0, count);
  if (blocks !== undefined && blocks >= 0) fields.blocks = blocks;
  fields.transport = transport;
  return { type: 'message', fields: withCommon(fields, from, undefined) };
}

/** An `activity`: `count` units. */
export function activityMessage(from: string, route: string | undefined, count: number): StatsMessage {
  return { type: 'activity', fields: withCommon({ count: Math.max(0, count) }, from, route) };
}

/** A `counts`: `requests-received`. */
export function countsMessage(from: string, requestsReceived: number): StatsMessage {
  return { type: 'counts', fields: withCommon({ 'requests-received': requestsReceived }, from, undefined) };
}

/** A `report` with 1.36's fields (traffic counters included). */
export function reportMessage(from: string, totals: ReportTotals, route?: string): StatsMessage {
  const fields: StatsFields = {
    connections: totals.connections,
    minutes: totals.minutes,
    received: totals.received,
    sent: totals.sent,
    'http-response-sent': totals.httpResponseSent,
  };
  if (totals.blocksReceived !== undefined) fields['blocks-received'] = totals.blocksReceived;
  if (totals.blocksSent !== undefined) fields['blocks-sent'] = totals.blocksSent;
  fields.duration = totals.durationMs;
  for (const name of TRAFFIC_FIELDS) fields[name] = totals.traffic?.[name] ?? 0;
  return { type: 'report', fields: withCommon(fields, from, route) };
}

/**
 * Encodes one stats frame: `<type> T<tnetstring dict>` (default) or `<type> J<compact JSON>`.
 * @throws ThumbtackError `TNET_UNENCODABLE` only for a non-finite number (a programming error)
 */
export function encodeStatsMessage(msg: StatsMessage, format: StatsFormat): Buffer {
  if (format === 'json') return Buffer.from(`${msg.type} J${JSON.stringify(msg.fields)}`, 'utf8');
  return Buffer.concat([Buffer.from(`${msg.type} T`, 'latin1'), encodeTnetstring(msg.fields)]);
}

/** A decoded tnetstring value as a JSON value; byte strings become UTF-8 text. */
export function tnetToJson(value: TnetValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (Array.isArray(value)) return value.map(tnetToJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = tnetToJson(value[key] as TnetValue);
    return out;
  }
  return value;
}

/**
 * Decodes one stats frame (what a stats consumer reads).
 * @returns the type and fields, or `STATS_BAD_FRAME` / a `TNET_*` error
 */
export function decodeStatsMessage(frame: Buffer): Result<DecodedStatsMessage> {
  const space = frame.indexOf(0x20);
  if (space <= 0) return fail(BAD_STATS_FRAME, 'stats frame has no "<type> " prefix');
  const type = frame.subarray(0, space).toString('latin1');
  const marker = frame[space + 1];
  const payload = frame.subarray(space + 2);
  let fields: unknown;
  if (marker === 0x54 /* T */) {
    const tnet = decodeTnetstring(payload);
    if (!tnet.ok) return tnet;
    fields = tnetToJson(tnet.value);
  } else if (marker === 0x4a /* J */) {
    try {
      fields = JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      return fail(BAD_STATS_FRAME, `stats '${type}' frame after 'J' is not valid JSON`);
    }
  } else {
    return fail(BAD_STATS_FRAME, `stats '${type}' frame has an unknown format marker (expected 'T' or 'J')`);
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    return fail(BAD_STATS_FRAME, `stats '${type}' frame does not hold an object`);
  }
  return ok({ type, fields: fields as Record<string, unknown> });
}

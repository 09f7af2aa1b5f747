/**
 * The publish item decoder (publishing.md §1-3): one function for both encodings, returning the same
 * `PublishItem` for a JSON item and its tnetstring twin. Error texts are Pushpin's (they appear after
 * `Invalid format: ` in HTTP and command replies); checks Pushpin lacks are documented where they are made.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { FORMAT_NAMES, INVALID_ITEM, decodeHttpResponse, decodeHttpStream, decodeWsMessage } from './format-decoder';
import type { PublishFormats, PublishItem } from './item-types';
import { asText, field, has, hasControlChar, isObj, label, quote, readInt } from './item-values';
import type { ItemEncoding, Obj } from './item-values';

export { BAD_ACTION, INVALID_ITEM } from './format-decoder';
export type { ItemEncoding } from './item-values';

/** Options of {@link decodePublishItem}. */
export interface DecodeItemOptions {
  /**
   * The channel from a SUB intake's topic frame (§6): when non-empty it is used instead of (and even
   * without) the item's `channel` field.
   */
  channel?: string;
}

const PN = 'publish item object';

function bad<T>(message: string): Result<T> {
  return fail(INVALID_ITEM, message);
}

function optText(o: Obj, key: string): Result<string | undefined> {
  if (!has(o, key)) return ok(undefined);
  const s = asText(field(o, key));
  return s === undefined ? bad(`${PN} contains '${key}' with wrong type`) : ok(s);
}

/**
 * Control characters are refused in channels and ids (not a Pushpin check): both travel into `Grip-Last`
 * headers towards the backend and into logs and stats, where CR/LF/NUL would inject or truncate.
 */
function checkNoControl(key: string, value: string): Result<string> {
  return hasControlChar(value) ? bad(`${PN} contains '${key}' ${quote(value)} with a control character`) : ok(value);
}

function readChannel(o: Obj, opts: DecodeItemOptions | undefined): Result<string> {
  if (opts?.channel !== undefined && opts.channel !== '') return checkNoControl('channel', opts.channel);
  if (!has(o, 'channel')) return bad(`${PN} does not contain 'channel'`);
  const channel = optText(o, 'channel');
  if (!channel.ok) return channel;
  return checkNoControl('channel', channel.value ?? '');
}

function readFormats(o: Obj, enc: ItemEncoding): Result<PublishFormats> {
  let source: Obj;
  if (has(o, 'formats')) {
    const v = field(o, 'formats');
    if (!isObj(v)) return bad(`${PN} contains 'formats' with wrong type`);
    source = v;
  } else {
    source = o; // legacy flat form: the format objects sit directly on the item
  }
  if (!FORMAT_NAMES.some((name) => has(source, name))) return bad('no formats specified');

  const formats: PublishFormats = {};
  if (has(source, 'http-response')) {
    const f = decodeHttpResponse(field(source, 'http-response'), enc);
    if (!f.ok) return f;
    formats['http-response'] = f.value;
  }
  if (has(source, 'http-stream')) {
    const f = decodeHttpStream(field(source, 'http-stream'), enc);
    if (!f.ok) return f;
    formats['http-stream'] = f.value;
  }
  if (has(source, 'ws-message')) {
    const f = decodeWsMessage(field(source, 'ws-message'), enc);
    if (!f.ok) return f;
    formats['ws-message'] = f.value;
  }
  return ok(formats);
}

function readMeta(o: Obj): Result<Record<string, string>> {
  const meta = Object.create(null) as Record<string, string>;
  if (!has(o, 'meta')) return ok(meta);
  const v = field(o, 'meta');
  if (!isObj(v)) return bad(`${PN} contains 'meta' with wrong type`);
  for (const key of Object.keys(v)) {
    const value = asText(v[key]);
    if (value === undefined) return bad(`'meta' contains ${label(key)} with wrong type`);
    meta[key] = value;
  }
  return ok(meta);
}

/**
 * Decodes and validates one publish item.
 *
 * @param value the parsed JSON value or decoded tnetstring value of the item
 * @param encoding which wire encoding `value` came from: it decides whether `body-bin`/`content-bin` are
 *   base64 text (`json`) or, for `ws-message` only, raw bytes (`tnetstring`)
 * @param opts `channel`: the SUB topic, which overrides the item's `channel`
 * @returns the item, or a `PUBLISH_INVALID_ITEM` error with Pushpin's message, or `PUBLISH_BAD_ACTION` with
 *   an empty message for an unknown `action`
 */
export function decodePublishItem(
  value: unknown,
  encoding: ItemEncoding,
  opts?: DecodeItemOptions,
): Result<PublishItem> {
  if (!isObj(value)) return bad(`${PN} is not an object`);

  const channel = readChannel(value, opts);
  if (!channel.ok) return channel;
  const id = optText(value, 'id');
  if (!id.ok) return id;
  if (id.value !== undefined) {
    const c = checkNoControl('id', id.value);
    if (!c.ok) return c;
  }
  const prevId = optText(value, 'prev-id');
  if (!prevId.ok) return prevId;
  if (prevId.value !== undefined) {
    const c = checkNoControl('prev-id', prevId.value);
    if (!c.ok) return c;
  }

  const formats = readFormats(value, encoding);
  if (!formats.ok) return formats;
  const meta = readMeta(value);
  if (!meta.ok) return meta;

  const item: PublishItem = { channel: channel.value, meta: meta.value, noSeq: false, formats: formats.value };
  if (id.value !== undefined) item.id = id.value;
  if (prevId.value !== undefined) item.prevId = prevId.value;

  if (has(value, 'size')) {
    const size = readInt(field(value, 'size'));
    if (!size.ok) return bad(`${PN} contains 'size' with ${size.why}`);
    if (size.n < 0) return bad(`${PN} contains 'size' with invalid value`);
    item.size = size.n;
  }
  if (has(value, 'no-seq')) {
    const noSeq = field(value, 'no-seq');
    if (typeof noSeq !== 'boolean') return bad(`${PN} contains 'no-seq' with wrong type`);
    item.noSeq = noSeq;
  }
  return ok(item);
}

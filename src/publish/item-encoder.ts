/**
 * Encoders for the wire forms a publisher sends (publishing.md §1-3, §9): the JSON item and the bare
 * tnetstring item. `decodePublishItem(encode(item))` gives `item` back for any decoded item.
 */
import { isUtf8 } from 'node:buffer';
import { encodeTnetstring } from '../core/tnetstring';
import type { TnetEncodable } from '../core/tnetstring';
import type { HttpResponseFormat, HttpStreamFormat, PublishItem, WsMessageFormat } from './item-types';

type Wire = Record<string, unknown>;

/** Writes bytes as `key` text when they are valid UTF-8, else as `binKey` base64 (JSON), or raw (tnetstring). */
function putBytes(out: Wire, bytes: Buffer, key: string, binKey: string, json: boolean): void {
  if (!json) out[key] = bytes;
  else if (isUtf8(bytes)) out[key] = bytes.toString('utf8');
  else out[binKey] = bytes.toString('base64');
}

function putCommon(out: Wire, action: string, filters: string[] | undefined): void {
  if (action !== 'send') out.action = action;
  if (filters !== undefined) out['content-filters'] = [...filters];
}

function encodeHttpResponse(f: HttpResponseFormat, json: boolean): Wire {
  const out: Wire = {};
  putCommon(out, f.action, f.contentFilters);
  if (f.action !== 'send') return out;
  out.code = f.code;
  if (f.reason !== undefined) out.reason = f.reason;
  if (f.headers.length > 0) out.headers = f.headers.map(([n, v]) => [n, v]);
  if (f.body !== undefined) putBytes(out, f.body, 'body', 'body-bin', json);
  else if (f.bodyPatch !== undefined) out['body-patch'] = f.bodyPatch;
  else out.body = ''; // a send needs a body; an absent one means empty
  return out;
}

function encodeHttpStream(f: HttpStreamFormat, json: boolean): Wire {
  const out: Wire = {};
  putCommon(out, f.action, f.contentFilters);
  if (f.action !== 'send') return out;
  putBytes(out, f.content ?? Buffer.alloc(0), 'content', 'content-bin', json);
  return out;
}

function encodeWsMessage(f: WsMessageFormat, json: boolean): Wire {
  const out: Wire = {};
  putCommon(out, f.action, f.contentFilters);
  if (f.action === 'close') {
    if (f.code !== undefined) out.code = f.code;
    if (f.reason !== undefined) out.reason = f.reason;
    return out;
  }
  if (f.action !== 'send') return out;
  const content = f.content ?? (f.type === 'text' || f.type === 'binary' ? Buffer.alloc(0) : undefined);
  // The decoder defaults `type` to binary for content-bin and text for content; say it only when it differs.
  let defaultType = 'text';
  if (content !== undefined) {
    putBytes(out, content, 'content', 'content-bin', json);
    if (out['content-bin'] !== undefined) defaultType = 'binary';
  }
  if (f.type !== defaultType) out.type = f.type;
  return out;
}

function encodeItem(item: PublishItem, json: boolean): Wire {
  const out: Wire = { channel: item.channel };
  if (item.id !== undefined) out.id = item.id;
  if (item.prevId !== undefined) out['prev-id'] = item.prevId;
  const formats: Wire = {};
  const f = item.formats;
  if (f['http-response'] !== undefined) formats['http-response'] = encodeHttpResponse(f['http-response'], json);
  if (f['http-stream'] !== undefined) formats['http-stream'] = encodeHttpStream(f['http-stream'], json);
  if (f['ws-message'] !== undefined) formats['ws-message'] = encodeWsMessage(f['ws-message'], json);
  out.formats = formats;
  const metaKeys = Object.keys(item.meta);
  if (metaKeys.length > 0) {
    const meta: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of metaKeys) meta[k] = item.meta[k] as string;
    out.meta = meta;
  }
  if (item.size !== undefined) out.size = item.size;
  if (item.noSeq) out['no-seq'] = true;
  return out;
}

/**
 * The JSON object a publisher sends for `item` (one element of `{"items": [...]}`, or the body of a `J`
 * frame). Payload bytes that are valid UTF-8 go in `body`/`content`, others in `body-bin`/`content-bin`
 * as base64. Headers are written as an array of pairs to keep order and repeats.
 */
export function encodePublishItemJson(item: PublishItem): object {
  return encodeItem(item, true);
}

/**
 * The bare tnetstring a publisher sends for `item` on the PULL socket (what `pushpin-publish` sends).
 * Payload bytes go directly in `body`/`content`.
 * @throws ThumbtackError `TNET_UNENCODABLE` only if a `body-patch` holds a non-JSON value
 */
export function encodePublishItemTnet(item: PublishItem): Buffer {
  return encodeTnetstring(encodeItem(item, false) as TnetEncodable);
}

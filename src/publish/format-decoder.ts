/**
 * Decoders for the three publish formats (publishing.md §2), mirroring Pushpin's `PublishFormat::fromVariant`
 * and its error texts, plus header-injection and strict base64 checks Pushpin does not have.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { isFieldValue, isToken } from '../core/http-syntax';
import type {
  HttpResponseFormat,
  HttpStreamFormat,
  PublishAction,
  WsMessageFormat,
  WsMessageType,
} from './item-types';
import {
  asBytes,
  asText,
  decodeBase64Strict,
  field,
  has,
  isObj,
  label,
  quote,
  readInt,
  toJsonStyle,
} from './item-values';
import type { ItemEncoding, Obj } from './item-values';

/** Error code of every item/format validation failure except an unknown `action`. */
export const INVALID_ITEM = 'PUBLISH_INVALID_ITEM';
/** Error code of an unknown `action` value; its message is empty, as in Pushpin. */
export const BAD_ACTION = 'PUBLISH_BAD_ACTION';

/** The highest WebSocket close code that fits the 2-byte close frame field. */
const MAX_WS_CLOSE_CODE = 65535;

type FormatName = 'http-response' | 'http-stream' | 'ws-message';

function bad<T>(message: string): Result<T> {
  return fail(INVALID_ITEM, message);
}

/** Reads an optional text field; `undefined` when absent. */
function optText(o: Obj, pn: string, key: string): Result<string | undefined> {
  if (!has(o, key)) return ok(undefined);
  const s = asText(field(o, key));
  return s === undefined ? bad(`${pn} contains '${key}' with wrong type`) : ok(s);
}

function readAction(o: Obj, pn: string): Result<PublishAction> {
  const r = optText(o, pn, 'action');
  if (!r.ok) return r;
  switch (r.value) {
    case undefined:
    case 'send':
      return ok('send');
    case 'hint':
    case 'close':
    case 'refresh':
      return ok(r.value);
    default:
      return fail(BAD_ACTION, '');
  }
}

function readContentFilters(o: Obj, pn: string): Result<string[] | undefined> {
  if (!has(o, 'content-filters')) return ok(undefined);
  const v = field(o, 'content-filters');
  if (!Array.isArray(v)) return bad(`${pn} contains 'content-filters' with wrong type`);
  const out: string[] = [];
  for (const el of v) {
    const s = asText(el);
    if (s === undefined) return bad('content-filters contains element with wrong type');
    out.push(s);
  }
  return ok(out);
}

/** Reads a base64 `-bin` field (JSON encoding only). */
function readBin(o: Obj, pn: string, key: string): Result<Buffer> {
  const v = field(o, key);
  if (typeof v !== 'string') return bad(`${pn} contains '${key}' with wrong type`);
  const bytes = decodeBase64Strict(v);
  return bytes === undefined ? bad(`'${key}' is not valid base64`) : ok(bytes);
}

function readBytes(o: Obj, pn: string, key: string): Result<Buffer> {
  const bytes = asBytes(field(o, key));
  return bytes === undefined ? bad(`${pn} contains '${key}' with wrong type`) : ok(bytes);
}

function checkHeader(pn: string, name: string, value: string): Result<[string, string]> {
  if (!isToken(name)) return bad(`${pn} contains header name ${quote(name)} that is not a valid token`);
  if (!isFieldValue(value)) {
    return bad(`${pn} contains header '${name}' whose value has a CR, LF, NUL or other control character`);
  }
  return ok([name, value]);
}

function readHeaders(o: Obj, pn: string): Result<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  if (!has(o, 'headers')) return ok(out);
  const v = field(o, 'headers');
  if (Array.isArray(v)) {
    for (const pair of v) {
      if (!Array.isArray(pair)) return bad('headers contains element with wrong type');
      if (pair.length !== 2) return bad('headers contains list with wrong number of elements');
      const name = asText(pair[0]);
      if (name === undefined) return bad('header contains name element with wrong type');
      const value = asText(pair[1]);
      if (value === undefined) return bad('header contains value element with wrong type');
      const h = checkHeader(pn, name, value);
      if (!h.ok) return h;
      out.push(h.value);
    }
    return ok(out);
  }
  if (isObj(v)) {
    for (const name of Object.keys(v)) {
      const value = asText(v[name]);
      if (value === undefined) return bad(`headers contains ${label(name)} with wrong type`);
      const h = checkHeader(pn, name, value);
      if (!h.ok) return h;
      out.push(h.value);
    }
    return ok(out);
  }
  return bad(`${pn} contains 'headers' with wrong type`);
}

/** Decodes `http-response` (§2.1). */
export function decodeHttpResponse(v: unknown, enc: ItemEncoding): Result<HttpResponseFormat> {
  const pn = "'http-response'";
  if (!isObj(v)) return bad(`${pn} is not an object`);
  const action = readAction(v, pn);
  if (!action.ok) return action;
  const out: HttpResponseFormat = { action: action.value, code: 200, headers: [] };
  if (action.value !== 'send') return ok(out);

  if (has(v, 'code')) {
    const code = readInt(field(v, 'code'));
    if (!code.ok) return bad(`${pn} contains 'code' with ${code.why}`);
    if (code.n < 0 || code.n > 999) return bad(`${pn} contains 'code' with invalid value`);
    out.code = code.n;
  }
  const reason = optText(v, pn, 'reason');
  if (!reason.ok) return reason;
  if (reason.value !== undefined && reason.value !== '') {
    if (!isFieldValue(reason.value)) {
      return bad(`${pn} contains 'reason' with a CR, LF, NUL or other control character`);
    }
    out.reason = reason.value;
  }
  const headers = readHeaders(v, pn);
  if (!headers.ok) return headers;
  out.headers = headers.value;
  const filters = readContentFilters(v, pn);
  if (!filters.ok) return filters;
  if (filters.value !== undefined) out.contentFilters = filters.value;

  if (enc === 'json' && has(v, 'body-bin')) {
    const body = readBin(v, pn, 'body-bin');
    if (!body.ok) return body;
    out.body = body.value;
  } else if (has(v, 'body')) {
    const body = readBytes(v, pn, 'body');
    if (!body.ok) return body;
    out.body = body.value;
  } else if (has(v, 'body-patch')) {
    const patch = field(v, 'body-patch');
    if (!Array.isArray(patch)) return bad(`${pn} contains 'body-patch' with wrong type`);
    out.bodyPatch = enc === 'tnetstring' ? (toJsonStyle(patch) as unknown[]) : patch;
  } else {
    return bad(
      enc === 'json'
        ? `${pn} does not contain 'body', 'body-bin', or 'body-patch'`
        : `${pn} does not contain 'body' or 'body-patch'`,
    );
  }
  return ok(out);
}

/** Decodes `http-stream` (§2.2). */
export function decodeHttpStream(v: unknown, enc: ItemEncoding): Result<HttpStreamFormat> {
  const pn = "'http-stream'";
  if (!isObj(v)) return bad(`${pn} is not an object`);
  const action = readAction(v, pn);
  if (!action.ok) return action;
  const out: HttpStreamFormat = { action: action.value };
  if (action.value !== 'send') return ok(out);

  const filters = readContentFilters(v, pn);
  if (!filters.ok) return filters;
  if (filters.value !== undefined) out.contentFilters = filters.value;

  if (enc === 'json' && has(v, 'content-bin')) {
    const content = readBin(v, pn, 'content-bin');
    if (!content.ok) return content;
    out.content = content.value;
  } else if (has(v, 'content')) {
    const content = readBytes(v, pn, 'content');
    if (!content.ok) return content;
    out.content = content.value;
  } else {
    return bad(
      enc === 'json' ? `${pn} does not contain 'content' or 'content-bin'` : `${pn} does not contain 'content'`,
    );
  }
  return ok(out);
}

const WS_TYPES: ReadonlySet<string> = new Set<WsMessageType>(['text', 'binary', 'ping', 'pong']);

/** Decodes `ws-message` (§2.3). */
export function decodeWsMessage(v: unknown, enc: ItemEncoding): Result<WsMessageFormat> {
  const pn = "'ws-message'";
  if (!isObj(v)) return bad(`${pn} is not an object`);
  const action = readAction(v, pn);
  if (!action.ok) return action;
  const out: WsMessageFormat = { action: action.value, type: 'text' };

  if (action.value === 'close') {
    if (has(v, 'code')) {
      const code = readInt(field(v, 'code'));
      if (!code.ok) return bad(`${pn} contains 'code' with ${code.why}`);
      if (code.n < 0 || code.n > MAX_WS_CLOSE_CODE) return bad(`${pn} contains 'code' with invalid value`);
      out.code = code.n;
    }
    const reason = optText(v, pn, 'reason');
    if (!reason.ok) return reason;
    if (reason.value !== undefined && reason.value !== '') out.reason = reason.value;
    return ok(out);
  }
  if (action.value !== 'send') return ok(out);

  const type = optText(v, pn, 'type');
  if (!type.ok) return type;
  if (type.value !== undefined && !WS_TYPES.has(type.value)) return bad(`${pn} contains 'type' with unknown value`);
  const filters = readContentFilters(v, pn);
  if (!filters.ok) return filters;
  if (filters.value !== undefined) out.contentFilters = filters.value;

  if (has(v, 'content-bin')) {
    const bin = field(v, 'content-bin');
    if (enc === 'json') {
      if (typeof bin !== 'string') return bad(`${pn} contains 'content-bin' with wrong type`);
      const bytes = decodeBase64Strict(bin);
      if (bytes === undefined) return bad(`'content-bin' is not valid base64`);
      out.content = bytes;
    } else {
      if (!Buffer.isBuffer(bin)) return bad(`${pn} contains 'content-bin' with wrong type`);
      out.content = bin;
    }
    out.type = (type.value as WsMessageType | undefined) ?? 'binary';
  } else if (has(v, 'content')) {
    const content = readBytes(v, pn, 'content');
    if (!content.ok) return content;
    out.content = content.value;
    out.type = (type.value as WsMessageType | undefined) ?? 'text';
  } else {
    const t = (type.value as WsMessageType | undefined) ?? 'text';
    if (t === 'text' || t === 'binary') return bad(`${pn} does not contain 'content' or 'content-bin'`);
    out.type = t;
  }
  return ok(out);
}

/** Format names in the order Pushpin decodes them. */
export const FORMAT_NAMES: readonly FormatName[] = ['http-response', 'http-stream', 'ws-message'];

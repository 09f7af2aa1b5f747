/**
 * The `application/grip-instruct` JSON body (spec grip-headers.md §4), applied on top of what the outer
 * `Grip-*` headers already set. Error texts are Pushpin 1.36's (`src/handler/instruct.cpp`,
 * `variantutil.cpp`), so the debug body reads the same.
 */
import { ThumbtackError } from '../core/errors';
import type { ChannelSubscription, HoldMode, KeepAlive, NextLink } from './types';
import { KEEP_ALIVE_DEFAULT_SEC, clampKeepAliveTimeout } from './keep-alive';
import { parseHeaderInt, toHeaderString } from './header-params';

/** The instruction while it is being decoded; `instruction.ts` turns it into an `Instruction`. */
export interface InstructionDraft {
  hold?: HoldMode;
  channels: ChannelSubscription[];
  /** Seconds as given (default and minimum applied at the end). */
  timeoutSec?: number;
  keepAlive?: KeepAlive;
  meta: Record<string, string>;
  nextLink?: NextLink;
  code: number;
  /** '' means "the standard phrase of `code`". */
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

type JsonObject = { [key: string]: unknown };

/** Thrown inside this module only, caught by `applyInstructJson`. */
class JsonInstructError extends Error {}

function invalid(message: string): never {
  throw new JsonInstructError(message);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Sets a key even when it is `__proto__`, so JSON or header input cannot touch the prototype. */
export function setOwn(map: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
}

/** An optional string member (`<parent> contains '<key>' with wrong type` otherwise). */
function optString(obj: JsonObject, parent: string, key: string): string | undefined {
  if (!has(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v !== 'string') invalid(`${parent} contains '${key}' with wrong type`);
  return v;
}

/**
 * An integer member as Pushpin converts a JSON value to int (checked against 1.36): numbers are rounded half
 * away from zero, booleans are 0/1, strings holding a decimal integer (surrounding whitespace allowed) give
 * it and any other string gives 0. null, arrays, objects and numbers outside 32 bits are type errors.
 */
function intMember(obj: JsonObject, parent: string, key: string): number {
  const v = obj[key];
  let n: number | undefined;
  if (typeof v === 'number') n = Math.sign(v) * Math.floor(Math.abs(v) + 0.5);
  else if (typeof v === 'string') n = parseHeaderInt(v) ?? 0;
  else if (typeof v === 'boolean') n = v ? 1 : 0;
  if (n === undefined || !Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    invalid(`${parent} contains '${key}' with wrong type`);
  }
  return n === 0 ? 0 : n;
}

function decodeChannel(v: unknown): ChannelSubscription {
  if (!isObject(v)) invalid('channel is not an object');
  if (!has(v, 'name')) invalid("channel does not contain 'name'");
  const name = optString(v, 'channel', 'name') as string;
  const prevId = optString(v, 'channel', 'prev-id');
  const filters: string[] = [];
  if (has(v, 'filters')) {
    const list = v['filters'];
    if (!Array.isArray(list)) invalid("channel contains 'filters' with wrong type");
    for (const f of list) {
      if (typeof f !== 'string') invalid('filters contains value with wrong type');
      filters.push(f);
    }
  }
  return prevId === undefined ? { name, filters } : { name, prevId, filters };
}

function applyHold(draft: InstructionDraft, hold: JsonObject): void {
  const mode = optString(hold, 'hold', 'mode');
  if (mode === undefined || mode === 'response') draft.hold = 'response';
  else if (mode === 'stream') draft.hold = 'stream';
  else invalid("hold 'mode' must be set to either 'response' or 'stream'");

  if (!has(hold, 'channels')) invalid("hold does not contain 'channels'");
  const channels = hold['channels'];
  if (!Array.isArray(channels)) invalid("hold contains 'channels' with wrong type");
  for (const c of channels) draft.channels.push(decodeChannel(c));

  if (has(hold, 'timeout')) {
    const t = intMember(hold, 'hold', 'timeout');
    if (t < 0) invalid("hold contains 'timeout' with invalid value");
    draft.timeoutSec = t;
  }

  if (has(hold, 'keep-alive')) {
    const ka = hold['keep-alive'];
    if (!isObject(ka)) invalid("hold contains 'keep-alive' with wrong type");
    // Pushpin keeps data and mode from a Grip-Keep-Alive header unless the JSON replaces them; without
    // that header the JSON keep-alive is never restarted by traffic (interval).
    let data = draft.keepAlive?.data ?? Buffer.alloc(0);
    if (has(ka, 'content-bin')) {
      data = Buffer.from(optString(ka, 'keep-alive', 'content-bin') as string, 'base64');
    } else if (has(ka, 'content')) {
      const content = ka['content'];
      if (typeof content !== 'string') invalid("keep-alive contains 'content' with wrong type");
      data = Buffer.from(content, 'utf8');
    }
    let timeoutSec = KEEP_ALIVE_DEFAULT_SEC;
    if (has(ka, 'timeout')) {
      timeoutSec = intMember(ka, 'keep-alive', 'timeout');
      if (timeoutSec < 0) invalid("keep-alive contains 'timeout' with invalid value");
    }
    draft.keepAlive = { data, timeoutSec: clampKeepAliveTimeout(timeoutSec), mode: draft.keepAlive?.mode ?? 'interval' };
  }

  if (has(hold, 'meta')) {
    const meta = hold['meta'];
    if (!isObject(meta)) invalid("hold contains 'meta' with wrong type");
    // The header-decoded meta may be the shared empty one (frozen): add to a copy.
    if (Object.isFrozen(draft.meta)) draft.meta = { ...draft.meta };
    for (const key of Object.keys(meta)) {
      const val = meta[key];
      if (typeof val !== 'string') invalid(`'meta' contains '${key}' with wrong type`);
      setOwn(draft.meta, key, val);
    }
  }
}

function decodeHeaders(v: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (Array.isArray(v)) {
    for (const pair of v) {
      if (!Array.isArray(pair)) invalid('headers contains element with wrong type');
      if (pair.length !== 2) invalid('headers contains list with wrong number of elements');
      const [name, value] = pair as [unknown, unknown];
      if (typeof name !== 'string') invalid('header contains name element with wrong type');
      if (typeof value !== 'string') invalid('header contains value element with wrong type');
      out.push([toHeaderString(name), toHeaderString(value)]);
    }
  } else if (isObject(v)) {
    for (const name of Object.keys(v)) {
      const value = v[name];
      if (typeof value !== 'string') invalid(`headers contains '${name}' with wrong type`);
      out.push([toHeaderString(name), toHeaderString(value)]);
    }
  } else {
    invalid("response contains 'headers' with wrong type");
  }
  return out;
}

function applyResponse(draft: InstructionDraft, res: JsonObject): void {
  if (has(res, 'code')) {
    const code = intMember(res, 'response', 'code');
    if (code < 0 || code > 999) invalid("response contains 'code' with invalid value");
    draft.code = code;
    draft.reason = ''; // a new code without a reason gets the new code's standard phrase
  }
  const reason = optString(res, 'response', 'reason');
  if (reason !== undefined && reason !== '') draft.reason = toHeaderString(reason);
  if (has(res, 'headers')) draft.headers = decodeHeaders(res['headers']);
  if (has(res, 'body-bin')) {
    draft.body = Buffer.from(optString(res, 'response', 'body-bin') as string, 'base64');
  } else if (has(res, 'body')) {
    const body = res['body'];
    if (typeof body !== 'string') invalid("response contains 'body' with wrong type");
    draft.body = Buffer.from(body, 'utf8');
  }
}

/**
 * Applies an `application/grip-instruct` body to a draft decoded from the outer headers: the outer headers
 * and body are discarded, `hold` replaces the hold mode and adds channels, `response` supplies status,
 * headers and body. `backendCode` must be 200. Returns the error (code `GRIP_INVALID`) or undefined.
 */
export function applyInstructJson(draft: InstructionDraft, backendCode: number, body: Buffer): ThumbtackError | undefined {
  if (backendCode !== 200) {
    return new ThumbtackError('GRIP_INVALID', 'response code for application/grip-instruct content must be 200');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return new ThumbtackError('GRIP_INVALID', 'failed to parse application/grip-instruct content as JSON');
  }
  if (!isObject(doc)) return new ThumbtackError('GRIP_INVALID', 'instruct must be an object');
  try {
    if (has(doc, 'hold')) {
      const hold = doc['hold'];
      if (!isObject(hold)) invalid("instruct contains 'hold' with wrong type");
      applyHold(draft, hold);
    }
    draft.headers = [];
    draft.body = Buffer.alloc(0);
    if (has(doc, 'response')) {
      const res = doc['response'];
      if (!isObject(res)) invalid("instruct contains 'response' with wrong type");
      applyResponse(draft, res);
    }
  } catch (err) {
    if (err instanceof JsonInstructError) return new ThumbtackError('GRIP_INVALID', err.message);
    throw err;
  }
  return undefined;
}

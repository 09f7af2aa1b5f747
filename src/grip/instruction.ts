/**
 * Decoding of a backend response into a GRIP `Instruction` (spec grip-headers.md §1-4), from `Grip-*`
 * headers, an `application/grip-instruct` JSON body, or both. Pure: no I/O, no clock.
 */
import { ThumbtackError, fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { reasonPhrase } from '../core/http-status';
import type { BackendResponse, ChannelSubscription, HoldMode, Instruction, NextLink } from './types';
import {
  firstHeaderValue,
  hasParam,
  headerText,
  headerValues,
  param,
  paramAll,
  parseHeaderElement,
  parseHeaderInt,
  parseHeaderList,
  parseParameterList,
  splitHeaderList,
  trimAscii,
} from './header-params';
import type { HeaderPairs } from './header-params';
import { parseKeepAliveHeader } from './keep-alive';
import { applyInstructJson, setOwn } from './instruct-json';
import type { InstructionDraft } from './instruct-json';
import { startsWithIgnoringCase } from '../core/http-syntax';

/** The media type that marks a JSON instruction body. */
export const GRIP_INSTRUCT_TYPE = 'application/grip-instruct';
/** Long-poll timeout default and minimum, seconds. */
export const RESPONSE_TIMEOUT_DEFAULT_SEC = 55;
export const RESPONSE_TIMEOUT_MIN_SEC = 5;
/** Default idle period before a next link is re-fetched, seconds. */
export const NEXT_LINK_TIMEOUT_DEFAULT_SEC = 120;

/**
 * Backend headers never copied into the client response: `Content-Length` (recomputed by the sender) and the
 * connection-level ones Pushpin does not relay. `Content-Encoding` is deliberately kept: Pushpin drops it
 * because its HTTP client decompresses the body, while Thumbtack relays the body bytes as they came.
 */
export const NOT_RELAYED_HEADERS: ReadonlySet<string> = new Set(['content-length', 'connection', 'keep-alive', 'transfer-encoding']);

/** A stream hold with a `prev-id` channel but no next link: Pushpin starts the stream, then ends it. */
export class PrevIdWithoutLinkError extends ThumbtackError {
  constructor(
    /** The decoded instruction, so the caller can start the stream before ending it with this message. */
    readonly instruction: Instruction,
    channel: string,
  ) {
    super('GRIP_PREV_ID_NO_LINK', `channel '${channel}' specifies prev-id, but no next link found`);
    this.name = 'PrevIdWithoutLinkError';
  }
}

function mediaType(headers: HeaderPairs): string | undefined {
  const ct = firstHeaderValue(headers, 'Content-Type');
  if (ct === undefined) return undefined;
  return parseHeaderElement(ct)?.value;
}

/**
 * Whether a backend response is handed to GRIP processing: any header named `Grip-*` (case-insensitive), or
 * a first `Content-Type` whose media type (before `;`, trimmed) is exactly `application/grip-instruct`.
 */
export function isGripResponse(headers: HeaderPairs): boolean {
  for (const [name] of headers) {
    if (startsWithIgnoringCase(name, 'grip-')) return true;
  }
  const ct = firstHeaderValue(headers, 'Content-Type');
  if (ct === undefined) return false;
  const semi = ct.indexOf(';');
  return trimAscii(semi === -1 ? ct : ct.slice(0, semi)) === GRIP_INSTRUCT_TYPE;
}

/**
 * The Pushpin error for a stream hold whose channels use `prev-id` without a next link, or undefined when
 * the instruction is fine. Also to be checked on stream holds returned by next-link fetches.
 */
export function prevIdWithoutLinkMessage(instr: Pick<Instruction, 'hold' | 'channels' | 'nextLink'>): string | undefined {
  if (instr.hold !== 'stream' || instr.nextLink !== undefined) return undefined;
  const c = instr.channels.find((ch) => ch.prevId !== undefined);
  return c === undefined ? undefined : `channel '${c.name}' specifies prev-id, but no next link found`;
}

function decodeHold(headers: HeaderPairs): Result<HoldMode | undefined> {
  const v = firstHeaderValue(headers, 'Grip-Hold');
  if (v === undefined) return ok(undefined);
  if (v === 'response' || v === 'stream') return ok(v);
  return fail('GRIP_INVALID', "Grip-Hold must be set to either 'response' or 'stream'");
}

function decodeChannels(headers: HeaderPairs): ChannelSubscription[] {
  const out: ChannelSubscription[] = [];
  for (const el of parseHeaderList(headerValues(headers, 'Grip-Channel'))) {
    const name = headerText(el.value);
    const prevId = param(el, 'prev-id');
    const filters = paramAll(el, 'filter').map(headerText);
    out.push(prevId === undefined ? { name, filters } : { name, prevId: headerText(prevId), filters });
  }
  return out;
}

function decodeTimeout(headers: HeaderPairs): Result<number | undefined> {
  const v = firstHeaderValue(headers, 'Grip-Timeout');
  if (v === undefined) return ok(undefined);
  const n = parseHeaderInt(v);
  if (n === undefined) return fail('GRIP_INVALID', 'failed to parse Grip-Timeout');
  if (n < 0) return fail('GRIP_INVALID', 'Grip-Timeout has invalid value');
  return ok(n);
}

/** The meta of an instruction without `Grip-Set-Meta` (most): one shared, frozen object. */
const NO_META: Record<string, string> = Object.freeze({}) as Record<string, string>;

function decodeMeta(headers: HeaderPairs): Result<Record<string, string>> {
  if (headerValues(headers, 'Grip-Set-Meta').length === 0) return ok(NO_META);
  const meta: Record<string, string> = {};
  for (const part of splitHeaderList(headerValues(headers, 'Grip-Set-Meta'))) {
    const params = parseParameterList(part);
    if (params === undefined) continue; // unterminated quote: skipped like any list element
    const first = params[0];
    if (first === undefined) return fail('GRIP_INVALID', 'Grip-Set-Meta cannot be empty');
    setOwn(meta, headerText(first[0]), headerText(first[1] ?? ''));
  }
  return ok(meta);
}

function decodeStatus(headers: HeaderPairs): Result<{ code: number; reason: string } | undefined> {
  const v = firstHeaderValue(headers, 'Grip-Status');
  if (v === undefined || v === '') return ok(undefined);
  const sp = v.indexOf(' ');
  const code = parseHeaderInt(sp === -1 ? v : v.slice(0, sp));
  if (code === undefined || code < 0 || code > 999) return fail('GRIP_INVALID', 'Grip-Status contains invalid status code');
  return ok({ code, reason: sp === -1 ? '' : v.slice(sp + 1) });
}

function decodeLink(headers: HeaderPairs, requestUri: string): Result<NextLink | undefined> {
  let next: NextLink | undefined;
  for (const el of parseHeaderList(headerValues(headers, 'Grip-Link'))) {
    if (el.params.length === 0) continue; // Pushpin ignores a link without any parameter
    const v = el.value;
    if (v.length <= 2 || v[0] !== '<' || v[v.length - 1] !== '>') return fail('GRIP_INVALID', 'failed to parse Grip-Link value');
    let uri: string;
    try {
      uri = new URL(headerText(v.slice(1, -1)), requestUri).href;
    } catch {
      return fail('GRIP_INVALID', 'Grip-Link contains invalid link');
    }
    if (param(el, 'rel') !== 'next') continue; // 1.36 knows only rel=next
    let timeoutSec = NEXT_LINK_TIMEOUT_DEFAULT_SEC;
    if (hasParam(el, 'timeout')) {
      const t = parseHeaderInt(param(el, 'timeout'));
      if (t === undefined) return fail('GRIP_INVALID', 'failed to parse Grip-Link timeout value');
      if (t < 0) return fail('GRIP_INVALID', 'Grip-Link timeout has invalid value');
      timeoutSec = t;
    }
    next = { uri, timeoutSec };
  }
  return ok(next);
}

/**
 * The headers kept for the client: none of NOT_RELAYED_HEADERS, only exposed ones, and no `Grip-*` when
 * `stripGrip` (backend headers; JSON `response.headers` may set `Grip-*` ones, which Pushpin relays).
 */
function clientHeaders(headers: HeaderPairs, expose: ReadonlySet<string> | undefined, stripGrip: boolean): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if ((stripGrip && lower.startsWith('grip-')) || NOT_RELAYED_HEADERS.has(lower)) continue;
    if (expose !== undefined && !expose.has(lower)) continue;
    out.push([name, value]);
  }
  return out;
}

/**
 * Decodes a backend response that `isGripResponse` accepted into an `Instruction`. `requestUri` is the
 * absolute URI of the request that produced it (the client's, or the previous next link), against which a
 * relative `Grip-Link` is resolved. Timeouts are in seconds with defaults and minimums applied (long-poll
 * 55/5, keep-alive 55/1, link 120). Errors: code `GRIP_INVALID` with Pushpin's reason text (shown as
 * `Failed to parse accept instructions: <message>` in debug mode), or a `PrevIdWithoutLinkError`
 * (`GRIP_PREV_ID_NO_LINK`) that still carries the decoded instruction.
 */
export function decodeInstruction(res: BackendResponse, requestUri: string): Result<Instruction> {
  const headers = res.headers;
  const hold = decodeHold(headers);
  if (!hold.ok) return hold;
  const channels = decodeChannels(headers);
  const timeout = decodeTimeout(headers);
  if (!timeout.ok) return timeout;
  const exposeList = splitHeaderList(headerValues(headers, 'Grip-Expose-Headers'));
  const expose = exposeList.length > 0 ? new Set(exposeList.map((h) => h.toLowerCase())) : undefined;
  const keepAlive = parseKeepAliveHeader(firstHeaderValue(headers, 'Grip-Keep-Alive'));
  if (!keepAlive.ok) return keepAlive;
  const meta = decodeMeta(headers);
  if (!meta.ok) return meta;
  const status = decodeStatus(headers);
  if (!status.ok) return status;
  const link = decodeLink(headers, requestUri);
  if (!link.ok) return link;

  const draft: InstructionDraft = {
    channels,
    meta: meta.value,
    code: status.value?.code ?? res.code,
    reason: status.value !== undefined ? status.value.reason : res.reason,
    headers: clientHeaders(headers, expose, true),
    body: res.body,
  };
  if (hold.value !== undefined) draft.hold = hold.value;
  if (timeout.value !== undefined) draft.timeoutSec = timeout.value;
  if (keepAlive.value !== undefined) draft.keepAlive = keepAlive.value;
  if (link.value !== undefined) draft.nextLink = link.value;

  if (mediaType(headers) === GRIP_INSTRUCT_TYPE) {
    const err = applyInstructJson(draft, res.code, res.body);
    if (err !== undefined) return { ok: false, error: err };
    draft.headers = clientHeaders(draft.headers, undefined, false);
  }

  const instr = finish(draft);
  const prevIdError = prevIdWithoutLinkMessage(instr);
  if (prevIdError !== undefined) {
    const channel = instr.channels.find((c) => c.prevId !== undefined)?.name ?? '';
    return { ok: false, error: new PrevIdWithoutLinkError(instr, channel) };
  }
  return ok(instr);
}

function finish(d: InstructionDraft): Instruction {
  const instr: Instruction = {
    channels: d.channels,
    timeoutSec: Math.max(d.timeoutSec ?? RESPONSE_TIMEOUT_DEFAULT_SEC, RESPONSE_TIMEOUT_MIN_SEC),
    meta: d.meta,
    response: {
      code: d.code,
      reason: d.reason !== '' ? d.reason : reasonPhrase(d.code),
      headers: d.headers,
      body: d.body,
    },
  };
  if (d.hold !== undefined) instr.hold = d.hold;
  if (d.keepAlive !== undefined) instr.keepAlive = d.keepAlive;
  if (d.nextLink !== undefined) instr.nextLink = d.nextLink;
  return instr;
}

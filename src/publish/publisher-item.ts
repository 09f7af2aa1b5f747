/**
 * The item `thumbtack-publish` sends, built exactly as `pushpin-publish` 1.36 builds it (publishing.md §9).
 * Pure: file and standard-input contents arrive already read.
 */
import { isUtf8 } from 'node:buffer';
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import type { HttpResponseFormat, PublishFormats, PublishItem } from './item-types';

/** Error code for arguments `pushpin-publish` refuses; the message is its text after `Error: `. */
export const PUBLISH_ARGS = 'PUBLISH_BAD_ARGUMENTS';

/**
 * The content to publish: `text` from the command line (a newline is appended to the HTTP payloads unless
 * `noEol`), or `bytes` from a file (`@path`) or standard input, sent as they are everywhere.
 */
export type PublishContent = { kind: 'text'; text: string } | { kind: 'bytes'; bytes: Buffer };

export interface PublishItemArgs {
  channel: string;
  content?: PublishContent;
  /** Empty = none (as pushpin-publish). */
  id?: string;
  prevId?: string;
  /** Adds meta `sender`. */
  sender?: string;
  /** HTTP response code, 0-999 (checked only when sending content). */
  code: number;
  /** `-H "Name: value"`, in order. */
  headers: readonly string[];
  /** `-M "name=value"`, in order; a later one wins. */
  meta: readonly string[];
  hint: boolean;
  close: boolean;
  /** Content is a JSON Patch array for the long-poll body. */
  patch: boolean;
  noSeq: boolean;
  noEol: boolean;
}

function argError<T>(message: string): Result<T> {
  return fail(PUBLISH_ARGS, message);
}

/**
 * Parses `--code` as pushpin-publish does (an unsigned 16-bit integer; the 0-999 range is checked later).
 * @returns the code, or an error whose message is `failed to parse code: <reason>`
 */
export function parseCode(text: string): Result<number> {
  if (text === '') return argError('failed to parse code: cannot parse integer from empty string');
  if (!/^\+?[0-9]+$/.test(text)) return argError('failed to parse code: invalid digit found in string');
  const n = Number(text.replace(/^\+/, ''));
  if (n > 65535) return argError('failed to parse code: number too large to fit in target type');
  return ok(n);
}

function splitPairs(values: readonly string[], sep: string, form: string): Result<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const v of values) {
    const at = v.indexOf(sep);
    if (at < 0) return argError(`${form}`);
    out.push([v.slice(0, at), v.slice(at + 1).trim()]);
  }
  return ok(out);
}

/** Text payloads: HTTP gets the newline, WebSocket does not; bytes are used as they are. */
function payloads(content: PublishContent, noEol: boolean): { http: Buffer; ws: Buffer } {
  if (content.kind === 'bytes') return { http: content.bytes, ws: content.bytes };
  const ws = Buffer.from(content.text, 'utf8');
  return { http: noEol ? ws : Buffer.from(content.text + '\n', 'utf8'), ws };
}

function sendFormats(args: PublishItemArgs): Result<PublishFormats> {
  if (args.code > 999 || args.code < 0 || !Number.isInteger(args.code)) {
    return argError('code must be an integer between 0 and 999');
  }
  if (args.content === undefined) return argError('must specify content');
  const response: HttpResponseFormat = { action: 'send', code: args.code, headers: [] };
  if (args.patch) {
    const text = args.content.kind === 'text' ? args.content.text : args.content.bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return argError((err as Error).message);
    }
    if (!Array.isArray(value)) return argError('patch content must be a JSON array');
    response.bodyPatch = value as unknown[];
    return ok({ 'http-response': response });
  }
  const { http, ws } = payloads(args.content, args.noEol);
  response.body = http;
  return ok({
    'http-response': response,
    'http-stream': { action: 'send', content: http },
    'ws-message': { action: 'send', type: isUtf8(ws) ? 'text' : 'binary', content: ws },
  });
}

/**
 * Builds the item of one `pushpin-publish` invocation: `--hint` (all three formats with `action: hint`) wins
 * over `--close` (`http-stream` and `ws-message` with `action: close`), else a send of the content to all
 * three formats, or with `--patch` only an `http-response` with `body-patch`. Meta gets `sender` first, then
 * each `-M`. Error messages are pushpin-publish's: `must specify content`, `code must be an integer between
 * 0 and 999`, `patch content must be a JSON array`, `header must be in the form "name: value"`, `meta must
 * be in the form "name=value"`.
 */
export function buildPublishItem(args: PublishItemArgs): Result<PublishItem> {
  let formats: PublishFormats;
  if (args.hint) {
    formats = {
      'http-response': { action: 'hint', code: 200, headers: [] },
      'http-stream': { action: 'hint' },
      'ws-message': { action: 'hint', type: 'text' },
    };
  } else if (args.close) {
    formats = { 'http-stream': { action: 'close' }, 'ws-message': { action: 'close', type: 'text' } };
  } else {
    const built = sendFormats(args);
    if (!built.ok) return built;
    formats = built.value;
  }
  // Checked after the content, as pushpin-publish does; only a send's long-poll response carries them.
  const headers = splitPairs(args.headers, ':', 'header must be in the form "name: value"');
  if (!headers.ok) return headers;
  const response = formats['http-response'];
  if (response && response.action === 'send') response.headers = headers.value;
  const metaPairs = splitPairs(args.meta, '=', 'meta must be in the form "name=value"');
  if (!metaPairs.ok) return metaPairs;
  const meta = Object.create(null) as Record<string, string>;
  if (args.sender) meta.sender = args.sender;
  for (const [k, v] of metaPairs.value) meta[k] = v;
  const item: PublishItem = { channel: args.channel, meta, noSeq: args.noSeq, formats };
  if (args.id) item.id = args.id;
  if (args.prevId) item.prevId = args.prevId;
  return ok(item);
}

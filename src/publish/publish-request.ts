/**
 * The pure part of the HTTP publish API (publishing.md §4): decoding a `POST /publish/` body and choosing
 * the response format from `Accept`. The HTTP shell adds the trailing `\n` Pushpin puts after each message.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { decodePublishItem } from './item-decoder';
import type { PublishItem } from './item-types';
import { field, has, isObj } from './item-values';

/** Error code for a body that is not UTF-8 JSON. */
export const BAD_JSON = 'PUBLISH_BAD_JSON';
/** Error code for a JSON body that is not `{"items": [...]}`. */
export const BAD_FORMAT = 'PUBLISH_BAD_FORMAT';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses bytes as UTF-8 JSON; `undefined` when they are not (invalid UTF-8 is an error, not U+FFFD).
 * Shared with the ZeroMQ intakes.
 */
export function parseJsonBytes(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(bytes)) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * Decodes a publish request body `{"items": [item, ...]}`. Every item is validated before any is returned,
 * so a caller publishes all or nothing.
 *
 * @returns the items (possibly none), or an error whose message is the exact 400 body text without its
 *   newline: `Body is not valid JSON.` (`PUBLISH_BAD_JSON`), `Invalid format.`,
 *   `Invalid format: object does not contain 'items'`, `Invalid format: object contains 'items' with wrong
 *   type` (`PUBLISH_BAD_FORMAT`), or `Invalid format: <item error>` with the item error's code.
 */
export function decodePublishBody(body: Buffer): Result<PublishItem[]> {
  const parsed = parseJsonBytes(body);
  if (parsed === undefined) return fail(BAD_JSON, 'Body is not valid JSON.');
  const doc = parsed.value;
  if (!isObj(doc)) return fail(BAD_FORMAT, 'Invalid format.');
  if (!has(doc, 'items')) return fail(BAD_FORMAT, "Invalid format: object does not contain 'items'");
  const items = field(doc, 'items');
  if (!Array.isArray(items)) return fail(BAD_FORMAT, "Invalid format: object contains 'items' with wrong type");

  const out: PublishItem[] = [];
  for (const v of items) {
    const item = decodePublishItem(v, 'json');
    if (!item.ok) return fail(item.error.code, `Invalid format: ${item.error.message}`);
    out.push(item.value);
  }
  return ok(out);
}

/** The response format of the publish API. */
export type ResponseFormat = 'text' | 'json' | 'not-acceptable';

/**
 * Chooses the publish API's success body format from the request's `Accept` header value (several headers
 * joined with `, `), as Pushpin 1.36 does: each media range is checked in order and the last recognised
 * one wins; `text/plain`, `text/*`, `*` + `/*` and `*` mean text, `application/json` and `application/*`
 * mean JSON; parameters (including `q`) are ignored. No header means text; a header with no recognised
 * range (even an empty one) is `not-acceptable` (406). Unlike Pushpin, type names are matched
 * case-insensitively, as RFC 9110 says.
 */
export function negotiateResponseFormat(accept: string | undefined): ResponseFormat {
  if (accept === undefined) return 'text';
  let result: ResponseFormat = 'not-acceptable';
  for (const part of accept.split(',')) {
    const range = (part.split(';')[0] ?? '').trim().toLowerCase();
    if (range === '*') {
      result = 'text';
      continue;
    }
    const slash = range.split('/');
    if (slash.length !== 2) continue;
    const [type, sub] = slash as [string, string];
    if ((type === 'text' && (sub === 'plain' || sub === '*')) || (type === '*' && sub === '*')) result = 'text';
    else if (type === 'application' && (sub === 'json' || sub === '*')) result = 'json';
  }
  return result;
}

import { reasonPhrase } from '../core/http-status';
import type { ClientResponse } from '../grip/types';
import type { HttpResponseFormat } from '../publish/item-types';
import { applyJsonPatch } from '../publish/json-patch';

/**
 * The response a long-poll client gets for a published `http-response` item (spec grip-headers.md §5.2):
 * the instruction's headers, each replaced by same-named item headers (the item's own `Grip-*` never count),
 * minus what the item's `Grip-Expose-Headers` lists; body from `body` or `body-patch`.
 */
export function longPollResponse(instruction: ClientResponse, format: HttpResponseFormat): ClientResponse {
  const itemHeaders = format.headers.filter(([k]) => !k.toLowerCase().startsWith('grip-'));
  const replaced = new Set(itemHeaders.map(([k]) => k.toLowerCase()));
  const exposeList = format.headers
    .filter(([k]) => k.toLowerCase() === 'grip-expose-headers')
    .flatMap(([, v]) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  const removed = new Set(exposeList);
  const headers = instruction.headers
    .filter(([k]) => !replaced.has(k.toLowerCase()) && k.toLowerCase() !== 'content-length')
    .concat(itemHeaders)
    .filter(([k]) => !removed.has(k.toLowerCase()));
  let body = format.body ?? Buffer.alloc(0);
  if (format.bodyPatch !== undefined && format.body === undefined) body = patchBody(instruction.body, format.bodyPatch);
  return { code: format.code, reason: format.reason ?? reasonPhrase(format.code), headers, body };
}

/** Applies a JSON Patch to a JSON body, keeping its line ending; an empty body when anything fails. */
function patchBody(original: Buffer, ops: unknown[]): Buffer {
  const text = original.toString('utf8');
  const eol = text.endsWith('\r\n') ? '\r\n' : text.endsWith('\n') ? '\n' : '';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return Buffer.alloc(0);
  }
  if (typeof doc !== 'object' || doc === null) return Buffer.alloc(0);
  const patched = applyJsonPatch(doc, ops);
  return patched.ok ? Buffer.from(JSON.stringify(patched.value) + eol) : Buffer.alloc(0);
}

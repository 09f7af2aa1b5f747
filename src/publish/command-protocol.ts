/**
 * The command socket's wire format (publishing.md §7), Pushpin's "zrpc": a ROUTER message is routing frames,
 * an empty delimiter, then one tnetstring frame `{id?, method, args?}`; the reply goes back with the same
 * routing frames and delimiter as `{id, success, value}` or `{id, success: false, condition, value?}`. Pure.
 */
import { fail, ok } from '../core/errors';
import type { Result } from '../core/errors';
import { decodeTnetstring, encodeTnetstring } from '../core/tnetstring';
import type { TnetDict, TnetEncodable, TnetValue } from '../core/tnetstring';

/** Error code for a command message that Pushpin would skip without replying. */
export const BAD_COMMAND = 'COMMAND_BAD_MESSAGE';

export interface CommandRequest {
  /** Echoed in the reply; empty when the request had none. */
  id: Buffer;
  method: string;
  /** `{}` when absent. */
  args: TnetDict;
}

export type CommandResult =
  | { success: true; value?: TnetEncodable }
  | { success: false; condition: string; value?: TnetEncodable };

/** A ROUTER message split at its delimiter. */
export interface RouterMessage {
  /** Routing frames, sent back unchanged in front of the reply. */
  envelope: Buffer[];
  content: Buffer;
}

function isDict(v: TnetValue | undefined): v is TnetDict {
  return v !== null && v !== undefined && typeof v === 'object' && !Buffer.isBuffer(v) && !Array.isArray(v);
}

/**
 * Splits a ROUTER message as Pushpin does: frames before the first empty frame are the envelope, the
 * (non-empty) frames after it the content, which must be exactly one frame.
 * @returns the parts, or `COMMAND_BAD_MESSAGE` (no reply is sent for it)
 */
export function splitRouterMessage(frames: readonly Buffer[]): Result<RouterMessage> {
  const envelope: Buffer[] = [];
  const content: Buffer[] = [];
  let inHeaders = true;
  for (const frame of frames) {
    if (frame.length === 0) {
      inHeaders = false;
      continue;
    }
    (inHeaders ? envelope : content).push(frame);
  }
  if (content.length !== 1) {
    return fail(BAD_COMMAND, `command message has ${content.length} content parts after the delimiter, expected 1`);
  }
  return ok({ envelope, content: content[0] as Buffer });
}

/**
 * Decodes a request frame `{id?: bytes, method: bytes, args?: dict}` (tnetstring only).
 * @returns the request, or a `TNET_*` / `COMMAND_BAD_MESSAGE` error (Pushpin skips such requests silently)
 */
export function decodeCommandRequest(frame: Buffer): Result<CommandRequest> {
  const decoded = decodeTnetstring(frame);
  if (!decoded.ok) return decoded;
  const obj = decoded.value;
  if (!isDict(obj)) return fail(BAD_COMMAND, 'command request is not a dict');
  const id = obj.id;
  if (id !== undefined && !Buffer.isBuffer(id)) return fail(BAD_COMMAND, "command request 'id' is not a byte string");
  const method = obj.method;
  if (!Buffer.isBuffer(method)) return fail(BAD_COMMAND, "command request has no byte-string 'method'");
  const args = obj.args;
  if (args !== undefined && !isDict(args)) return fail(BAD_COMMAND, "command request 'args' is not a dict");
  return ok({ id: id ?? Buffer.alloc(0), method: method.toString('utf8'), args: args ?? (Object.create(null) as TnetDict) });
}

/**
 * Encodes a reply; keys in the order Pushpin 1.36 was seen to send them: `success`, `value`/`condition`,
 * `id`. A success without a value carries `value: null`.
 */
export function encodeCommandReply(id: Buffer, result: CommandResult): Buffer {
  const out = new Map<string, TnetEncodable>();
  out.set('success', result.success);
  if (result.success) out.set('value', result.value ?? null);
  else {
    out.set('condition', result.condition);
    if (result.value !== undefined) out.set('value', result.value);
  }
  out.set('id', id);
  return encodeTnetstring(out);
}

/** The frames of a reply to a ROUTER message: its envelope, the delimiter, the reply. */
export function routerReplyFrames(envelope: readonly Buffer[], reply: Buffer): Buffer[] {
  return [...envelope, Buffer.alloc(0), reply];
}

/**
 * The command socket's methods (publishing.md §7): `publish`, `recover`, `refresh`, `conncheck`,
 * `get-zmq-uris`, with Pushpin's conditions (`bad-request`, `item-not-found`, `method-not-found`). Pure: the
 * effects go through the handlers.
 */
import type { TnetValue } from '../core/tnetstring';
import type { CommandRequest, CommandResult } from './command-protocol';
import { decodePublishItem } from './item-decoder';
import type { PublishItem } from './item-types';

export interface CommandHandlers {
  /** Publishes validated items (all of a request's items are validated first). */
  publish(items: PublishItem[]): void;
  /** `recover`: clear last ids and update every HTTP session. */
  recover(): void;
  /**
   * `refresh` of one WebSocket-over-HTTP connection: true when the connection exists here (the refresh
   * request is then sent), false for an unknown id (`item-not-found`).
   */
  refreshConnection(cid: string): boolean;
  /** `refresh` of every WebSocket-over-HTTP connection subscribed to the channel; unknown ones are skipped. */
  refreshChannel(channel: string): void;
  /** Is this connection id held here now? (`conncheck`) */
  isConnected(id: string): boolean;
  /** `get-zmq-uris`: `command`, `publish-pull`, `publish-sub` (only when the SUB socket binds). */
  zmqUris(): Record<string, string>;
}

const BAD_REQUEST = 'bad-request';

function publish(args: CommandRequest['args'], h: CommandHandlers): CommandResult {
  if (!('items' in args)) {
    return { success: false, condition: BAD_REQUEST, value: "Invalid format: object does not contain 'items'" };
  }
  const raw = args.items;
  if (!Array.isArray(raw)) {
    return { success: false, condition: BAD_REQUEST, value: "Invalid format: object contains 'items' with wrong type" };
  }
  const items: PublishItem[] = [];
  for (const v of raw) {
    const item = decodePublishItem(v, 'tnetstring');
    if (!item.ok) return { success: false, condition: BAD_REQUEST, value: `Invalid format: ${item.error.message}` };
    items.push(item.value);
  }
  h.publish(items);
  return { success: true };
}

function refresh(args: CommandRequest['args'], h: CommandHandlers): CommandResult {
  if ('cid' in args) {
    const cid = args.cid;
    if (!Buffer.isBuffer(cid)) return { success: false, condition: BAD_REQUEST };
    return h.refreshConnection(cid.toString('utf8')) ? { success: true } : { success: false, condition: 'item-not-found' };
  }
  if ('channel' in args) {
    const channel = args.channel;
    if (!Buffer.isBuffer(channel)) return { success: false, condition: BAD_REQUEST };
    h.refreshChannel(channel.toString('utf8'));
    return { success: true };
  }
  return { success: false, condition: BAD_REQUEST };
}

function conncheck(args: CommandRequest['args'], h: CommandHandlers): CommandResult {
  const ids: TnetValue | undefined = args.ids;
  if (!Array.isArray(ids)) return { success: false, condition: BAD_REQUEST };
  const wanted: string[] = [];
  for (const v of ids) {
    if (!Buffer.isBuffer(v)) return { success: false, condition: BAD_REQUEST };
    const id = v.toString('utf8');
    if (!wanted.includes(id)) wanted.push(id);
  }
  return { success: true, value: wanted.filter((id) => h.isConnected(id)).map((id) => Buffer.from(id, 'utf8')) };
}

/** Runs one decoded command request and returns the reply to send. */
export function runCommand(req: CommandRequest, h: CommandHandlers): CommandResult {
  switch (req.method) {
    case 'publish':
      return publish(req.args, h);
    case 'recover':
      h.recover();
      return { success: true };
    case 'refresh':
      return refresh(req.args, h);
    case 'conncheck':
      return conncheck(req.args, h);
    case 'get-zmq-uris':
      return { success: true, value: h.zmqUris() };
    default:
      return { success: false, condition: 'method-not-found' };
  }
}

/**
 * Decoding of one item frame from the ZeroMQ PULL and SUB intakes (publishing.md §5, §6).
 */
import { fail } from '../core/errors';
import type { Result } from '../core/errors';
import { decodeTnetstring } from '../core/tnetstring';
import { decodePublishItem } from './item-decoder';
import type { PublishItem } from './item-types';
import { parseJsonBytes } from './publish-request';

/** Error code for an empty frame or a `J` frame that is not JSON. */
export const BAD_MESSAGE = 'PUBLISH_BAD_MESSAGE';

const J = 0x4a;
const T = 0x54;

/**
 * Decodes one item frame. The first byte selects the encoding: `J` -> the rest is JSON (it must be an
 * object), `T` -> the rest is a tnetstring, anything else -> the whole frame is a tnetstring (what
 * `pushpin-publish` sends).
 *
 * @param frame the item frame (PULL: the only frame; SUB: frame 1)
 * @param channel SUB only: the topic frame, used instead of the item's `channel` when non-empty
 * @returns the item, or `PUBLISH_BAD_MESSAGE`, a `TNET_*` error, or an item error (see `decodePublishItem`)
 */
export function decodePullMessage(frame: Buffer, channel?: string): Result<PublishItem> {
  const opts = channel === undefined ? undefined : { channel };
  if (frame.length === 0) return fail(BAD_MESSAGE, 'publish message is empty');
  if (frame[0] === J) {
    const parsed = parseJsonBytes(frame.subarray(1));
    if (parsed === undefined) return fail(BAD_MESSAGE, "publish message after 'J' is not valid JSON");
    return decodePublishItem(parsed.value, 'json', opts);
  }
  const tnet = decodeTnetstring(frame[0] === T ? frame.subarray(1) : frame);
  if (!tnet.ok) return tnet;
  return decodePublishItem(tnet.value, 'tnetstring', opts);
}

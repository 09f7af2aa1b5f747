/**
 * The `grip` WebSocket extension a backend accepts in its handshake answer (spec websocket.md §2):
 * `Sec-WebSocket-Extensions: grip[; message-prefix="..."]`. Pure: no I/O.
 */
import { hasParam, headerValues, param, parseHeaderElement, splitHeaderList, type HeaderPairs } from './header-params';

/** The message prefix when the extension gives none. */
export const DEFAULT_MESSAGE_PREFIX = 'm:';

export interface GripExtension {
  /** Prefix every non-control message from the backend must carry (removed before relaying); may be ''. */
  messagePrefix: string;
}

/**
 * Finds `grip` among the `Sec-WebSocket-Extensions` values of a backend's answer. A bare `message-prefix`
 * parameter means the empty prefix; an element with an unterminated quoted parameter is ignored (as
 * Pushpin does). Returns undefined when GRIP mode is not accepted.
 */
export function parseGripExtension(headers: HeaderPairs): GripExtension | undefined {
  for (const part of splitHeaderList(headerValues(headers, 'Sec-WebSocket-Extensions'))) {
    const el = parseHeaderElement(part);
    if (el === undefined || el.value !== 'grip') continue;
    if (!hasParam(el, 'message-prefix')) return { messagePrefix: DEFAULT_MESSAGE_PREFIX };
    return { messagePrefix: param(el, 'message-prefix') ?? '' };
  }
  return undefined;
}

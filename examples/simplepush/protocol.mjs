// The SimplePush wire protocol (as Firefox OS spoke it): decoding the device's JSON messages, building the
// server's replies, and parsing an application server's `PUT <pushEndpoint>` body. Pure: no I/O, no clock
// (callers pass `now`).
//
// Device → server:  hello, register, unregister, ack, and `{}` (a ping).
// Server → device:  the hello / register / unregister replies with a `status`, notifications, `{}`.
// Errors a device can cause get status 401 (as pushgo's "Invalid Command") with an `error` text; the device
// stays connected.

/** A channel ID: a UUID (with or without dashes), as the protocol recommends (UUIDv4). */
const CHANNEL_ID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
/** A UAID this server issues (crypto.randomUUID()); anything else is unknown, so a new one is issued. */
const UAID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Versions are non-negative integers small enough to stay exact as JSON numbers (2^53 - 1). */
const VERSION_TEXT = /^\d{1,16}$/;
/** pushgo's limit on channel IDs in a hello; more and the device is treated as unknown (a new uaid). */
export const MAX_HELLO_CHANNELS = 500;

/** True for a channel ID the server accepts. */
export function isChannelId(value) {
  return typeof value === 'string' && CHANNEL_ID.test(value);
}

/** True for a uaid this server could have issued (only those are looked up in Redis). */
export function isUaid(value) {
  return typeof value === 'string' && UAID.test(value);
}

/** True for a valid version number (a JSON number: a safe non-negative integer). */
export function isVersion(value) {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Decodes one device message.
 * Returns `{ ok: true, msg }` with `msg.type` one of `ping`, `hello`, `register`, `unregister`, `ack`,
 * or `{ ok: false, reply, reason }`: the error reply to send (status 401) and a reason to log.
 */
export function decodeMessage(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid(undefined, 'Invalid JSON', 'malformed JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return invalid(undefined, 'Invalid Command', 'not a JSON object');
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return { ok: true, msg: { type: 'ping' } };
  const type = value.messageType;
  if (typeof type !== 'string') return invalid(undefined, 'Unknown messageType', 'missing or non-string messageType');
  switch (type) {
    case 'hello':
      return decodeHello(value);
    case 'register':
    case 'unregister':
      if (!isChannelId(value.channelID)) {
        return invalid(type, 'Invalid channelID', `${type} with an invalid channelID`, typeof value.channelID === 'string' && value.channelID.length <= 100 ? { channelID: value.channelID } : {});
      }
      return { ok: true, msg: { type, channelID: value.channelID } };
    case 'ack':
      return decodeAck(value);
    default:
      return invalid(type.slice(0, 100), 'Unknown messageType', `unknown messageType ${JSON.stringify(type.slice(0, 100))}`);
  }
}

function decodeHello(value) {
  const { uaid, channelIDs } = value;
  if (uaid !== undefined && uaid !== null && typeof uaid !== 'string') return invalid('hello', 'Invalid uaid', 'hello with a non-string uaid');
  if (channelIDs !== undefined && channelIDs !== null && !Array.isArray(channelIDs)) {
    return invalid('hello', 'Invalid channelIDs', 'hello with a non-array channelIDs');
  }
  const ids = channelIDs ?? [];
  // A device listing channels the server cannot hold starts over (pushgo: "too many channels" → new uaid).
  const tooMany = ids.length > MAX_HELLO_CHANNELS;
  return { ok: true, msg: { type: 'hello', uaid: typeof uaid === 'string' && !tooMany ? uaid : '', channelIDs: ids } };
}

function decodeAck(value) {
  const { updates } = value;
  if (!Array.isArray(updates)) return invalid('ack', 'Invalid updates', 'ack without an updates list');
  const acks = [];
  for (const u of updates) {
    if (u === null || typeof u !== 'object' || !isChannelId(u.channelID) || !isVersion(u.version)) {
      return invalid('ack', 'Invalid updates', `ack with an invalid update ${JSON.stringify(u)?.slice(0, 200)}`);
    }
    acks.push({ channelID: u.channelID, version: u.version });
  }
  return { ok: true, msg: { type: 'ack', updates: acks } };
}

function invalid(messageType, error, reason, extra = {}) {
  const reply = messageType === undefined ? { status: 401, error } : { messageType, ...extra, status: 401, error };
  return { ok: false, reply: JSON.stringify(reply), reason };
}

/** The server's error reply for a message type (e.g. a register before hello, or a storage failure). */
export function errorReply(messageType, status, error, extra = {}) {
  return JSON.stringify({ messageType, ...extra, status, error });
}

/** `{"messageType":"hello","uaid":...,"status":200}` */
export function helloReply(uaid) {
  return JSON.stringify({ messageType: 'hello', uaid, status: 200 });
}

/** `{"messageType":"register","channelID":...,"status":200,"pushEndpoint":...}` */
export function registerReply(channelID, pushEndpoint) {
  return JSON.stringify({ messageType: 'register', channelID, status: 200, pushEndpoint });
}

/** `{"messageType":"unregister","channelID":...,"status":200}` */
export function unregisterReply(channelID) {
  return JSON.stringify({ messageType: 'unregister', channelID, status: 200 });
}

/** `{"messageType":"notification","updates":[{"channelID":...,"version":N},...]}` */
export function notification(updates) {
  return JSON.stringify({ messageType: 'notification', updates: updates.map((u) => ({ channelID: u.channelID, version: u.version })) });
}

/**
 * The version of an endpoint PUT: `version=<N>` in the form body (or the query string, as pushgo accepted);
 * absent or empty means "now" (`nowSeconds`, Unix seconds, as pushgo and autopush did).
 * Returns `{ ok: true, version }` or `{ ok: false }` for an invalid version.
 */
export function updateVersion(body, query, nowSeconds) {
  const form = new URLSearchParams(body);
  const text = (form.get('version') ?? query.get('version') ?? '').trim();
  if (text === '') return { ok: true, version: nowSeconds };
  if (!VERSION_TEXT.test(text)) return { ok: false };
  const version = Number(text);
  return Number.isSafeInteger(version) ? { ok: true, version } : { ok: false };
}

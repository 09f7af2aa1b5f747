// All SimplePush state, in Redis: any number of backend processes share it and a restart loses nothing.
// Every operation is one Lua script, so each is atomic and one round trip.
//
// Keys (prefix `sp:` by default, REDIS_PREFIX):
//   sp:dev:<uaid>     hash  { seq, created }   a known device; `seq` counts its updates (1, 2, 3, ...)
//   sp:chan:<uaid>    hash  channelID → token  the device's channels and their endpoint tokens
//   sp:ver:<uaid>     hash  channelID → version  the latest version of each channel
//   sp:pend:<uaid>    hash  channelID → "<version>:<seq>"  updates not acknowledged yet
//   sp:tok:<token>    string "<uaid> <channelID>"  an endpoint; deleted on unregister (the PUT then gets 404)
//
// Scripts compute the per-device keys from the token, so this needs one Redis (or a primary), not a
// Redis Cluster.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const HELLO = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] ~= '1' then return false end
  redis.call('HSET', KEYS[1], 'seq', 0, 'created', ARGV[2])
end
return { redis.call('HGET', KEYS[1], 'seq'), redis.call('HGETALL', KEYS[2]) }`;

const REGISTER = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local existing = redis.call('HGET', KEYS[2], ARGV[2])
if existing then return existing end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[1] .. ' ' .. ARGV[2])
return ARGV[3]`;

const UNREGISTER = `
local token = redis.call('HGET', KEYS[1], ARGV[1])
if token then redis.call('DEL', ARGV[2] .. 'tok:' .. token) end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return token and 1 or 0`;

const UPDATE = `
local owner = redis.call('GET', KEYS[1])
if not owner then return false end
local space = string.find(owner, ' ', 1, true)
local uaid = string.sub(owner, 1, space - 1)
local chid = string.sub(owner, space + 1)
local seq = redis.call('HINCRBY', ARGV[1] .. 'dev:' .. uaid, 'seq', 1)
redis.call('HSET', ARGV[1] .. 'ver:' .. uaid, chid, ARGV[2])
redis.call('HSET', ARGV[1] .. 'pend:' .. uaid, chid, ARGV[2] .. ':' .. seq)
return { uaid, chid, seq }`;

// ARGV[1] = since (the last seq this connection is up to date with), then channelID, version pairs acked.
const SYNC = `
for i = 2, #ARGV, 2 do
  local p = redis.call('HGET', KEYS[2], ARGV[i])
  if p and tonumber(string.match(p, '^(%d+):')) <= tonumber(ARGV[i + 1]) then
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local since = tonumber(ARGV[1])
local out = {}
if seq > since then
  local all = redis.call('HGETALL', KEYS[2])
  for i = 1, #all, 2 do
    if tonumber(string.match(all[i + 1], ':(%d+)$')) > since then
      out[#out + 1] = all[i]
      out[#out + 1] = all[i + 1]
    end
  end
end
return { tostring(seq), out }`;

/** A new endpoint token: 128 random bits, base64url (22 characters). Unguessable; only Redis maps it. */
export function newToken() {
  return randomBytes(16).toString('base64url');
}

/** True for something shaped like a token (anything else is a 404 without asking Redis). */
export function isToken(value) {
  return /^[A-Za-z0-9_-]{22}$/.test(value);
}

/** `[channelID, "<version>:<seq>", ...]` → `[{ channelID, version, seq }]` */
function pendingList(flat) {
  const out = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const [version, seq] = flat[i + 1].split(':');
    out.push({ channelID: flat[i], version: Number(version), seq: Number(seq) });
  }
  return out;
}

/**
 * Opens the store. `url` is a redis:// URL. Throws (with the reason) when Redis cannot be reached within
 * `connectTimeoutMs`, so a backend never starts without its state; once started, the client reconnects by
 * itself and commands wait (about 2 s at most) for it.
 */
export async function openStore(url, { prefix = 'sp:', connectTimeoutMs = 3000 } = {}) {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let lastError; // the socket's own error (ECONNREFUSED, ...); connect() only says the connection closed
  probe.on('error', (err) => (lastError = err));
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable at ${url}: ${lastError?.message || err?.message || String(err)}`);
  } finally {
    probe.disconnect();
  }
  // While Redis is away, commands wait for it at most about 2 s, then fail (the device gets a 500, the
  // application server's PUT a 500), and the client keeps reconnecting (every second at most).
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 2,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  redis.on('error', () => undefined); // failed commands reject and are reported by callers
  redis.defineCommand('spHello', { numberOfKeys: 2, lua: HELLO });
  redis.defineCommand('spRegister', { numberOfKeys: 3, lua: REGISTER });
  redis.defineCommand('spUnregister', { numberOfKeys: 3, lua: UNREGISTER });
  redis.defineCommand('spUpdate', { numberOfKeys: 1, lua: UPDATE });
  redis.defineCommand('spSync', { numberOfKeys: 2, lua: SYNC });
  const key = (kind, id) => `${prefix}${kind}:${id}`;

  return {
    redis,

    /**
     * Looks up a device (`create` false: resolves null when unknown) or creates it. Resolves with its
     * current `seq` and every unacknowledged update.
     */
    async hello(uaid, create, nowMs) {
      const r = await redis.spHello(key('dev', uaid), key('pend', uaid), create ? '1' : '0', String(nowMs));
      if (r === null) return null;
      return { seq: Number(r[0]), pending: pendingList(r[1]) };
    },

    /** The endpoint token of a device's channel (a new one, or the one it already has); null if the device is gone. */
    async register(uaid, channelID) {
      const token = newToken();
      return redis.spRegister(key('dev', uaid), key('chan', uaid), key('tok', token), uaid, channelID, token);
    },

    /** Forgets a channel: its endpoint (now 404), its version and any pending update. True if it existed. */
    async unregister(uaid, channelID) {
      return (await redis.spUnregister(key('chan', uaid), key('ver', uaid), key('pend', uaid), channelID, prefix)) === 1;
    },

    /** Records a new version for an endpoint. Resolves `{ uaid, channelID, seq }`, or null for an unknown token. */
    async update(token, version) {
      const r = await redis.spUpdate(key('tok', token), prefix, String(version));
      return r === null ? null : { uaid: r[0], channelID: r[1], seq: Number(r[2]) };
    },

    /**
     * Applies acks (an update is dropped when the acked version is at least its version) and resolves with
     * the device's `seq` and the unacknowledged updates newer than `since`.
     */
    async sync(uaid, since, acks = []) {
      const args = [String(since)];
      for (const a of acks) args.push(a.channelID, String(a.version));
      const r = await redis.spSync(key('dev', uaid), key('pend', uaid), ...args);
      return { seq: Number(r[0]), updates: pendingList(r[1]) };
    },

    /** Closes the connection to Redis. */
    async close() {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    },
  };
}

/**
 * One applier per implemented `pushpin.conf` key: decodes the value and sets its `ThumbtackConfig` field,
 * or returns a message saying what was expected. `buildConfig` runs them in table order, so where two keys
 * set one field, the later row wins ([global] rundir over [runner] rundir, [handler] over [proxy] for
 * prometheus_port / prometheus_prefix / stats_report_interval, push_in_http_max_* over 1.36's
 * push_in_max_*). Rows marked `raw` see values before `{rundir}`-style substitution (they define it).
 */
import * as path from 'node:path';
import type { ListenAddr, ThumbtackConfig } from './config';
import type { SectionName } from './keys';
import {
  decodeBool,
  decodeInt,
  decodeListenAddr,
  decodeLogLevel,
  decodeOptionalInt,
  decodePort,
  decodePrometheusPort,
  decodeXffRule,
  type Decoded,
} from './config-values';

export interface ApplyContext {
  config: ThumbtackConfig;
  /** Absolute folder of the config file. */
  configDir: string;
}

type Value = string | string[];
/** Returns undefined on success, else what was wrong with the value. */
type Apply = (value: Value, ctx: ApplyContext) => string | undefined;

export interface Applier {
  section: SectionName;
  key: string;
  apply: Apply;
  /** Gets the value without substitution. */
  raw?: boolean;
}

type FieldsOf<V> = { [K in keyof ThumbtackConfig]-?: ThumbtackConfig[K] extends V ? K : never }[keyof ThumbtackConfig];

/** Lifts a decoder of one string; a list value (unquoted comma) is refused. */
function scalar(f: (text: string, ctx: ApplyContext) => string | undefined): Apply {
  return (value, ctx) =>
    typeof value === 'string'
      ? f(value, ctx)
      : `expected a single value but it contains a comma (quote the value to keep commas): '${value.join(',')}'`;
}

/** Items of a list value, trimmed, empty ones dropped (a single value is a one-item list). */
function items(value: Value): string[] {
  const list = typeof value === 'string' ? [value] : value;
  return list.map((s) => s.trim()).filter((s) => s !== '');
}

function set<K extends keyof ThumbtackConfig>(field: K, decode: (text: string) => Decoded<ThumbtackConfig[K]>): Apply {
  return scalar((text, { config }) => {
    const d = decode(text);
    if (!d.ok) return d.message;
    config[field] = d.value;
    return undefined;
  });
}

const bool = (field: FieldsOf<boolean>): Apply => set(field, decodeBool);
const int = (field: FieldsOf<number>, min: number, max?: number): Apply => set(field, (t) => decodeInt(t, min, max));
const optInt = (field: FieldsOf<number | undefined>, min: number): Apply => set(field, (t) => decodeOptionalInt(t, min));
const text = (field: FieldsOf<string>): Apply => set(field, (t) => ({ ok: true, value: t }));
const nonEmpty = (field: FieldsOf<string>): Apply =>
  set(field, (t) => (t === '' ? { ok: false, message: 'must not be empty' } : { ok: true, value: t }));

/** One of `values`, named in the error; empty means `empty`. */
function oneOf<K extends keyof ThumbtackConfig>(field: K, values: ReadonlyArray<ThumbtackConfig[K] & string>, empty: ThumbtackConfig[K]): Apply {
  return scalar((t, { config }) => {
    const value = t === '' ? empty : values.find((v) => v === t);
    if (value === undefined) return `expected ${values.join(' or ')}, got '${t}'`;
    config[field] = value;
    return undefined;
  });
}

function absolutePath(field: 'rundir' | 'routesFile'): Apply {
  return scalar((t, { config, configDir }) => {
    if (t === '') return 'must not be empty';
    config[field] = path.resolve(configDir, t);
    return undefined;
  });
}

const prometheusPort: Apply = scalar((t, { config }) => {
  if (t === '') return undefined; // empty: keep what the other section set
  const d = decodePrometheusPort(t);
  if (!d.ok) return d.message;
  config.prometheusPort = d.value;
  return undefined;
});

const prometheusPrefix: Apply = scalar((t, { config }) => {
  if (t === '') return undefined; // empty: keep what the other section set
  // Prefixed names must still be Prometheus metric names.
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(t)) return `'${t}' would make invalid metric names: use letters, digits, '_' and ':', not starting with a digit`;
  config.prometheusPrefix = t;
  return undefined;
});

const setXfProto: Apply = scalar((t, { config }) => {
  if (t === 'true' || t === 'proto-only') config.setXForwardedProtocol = t;
  else if (t === 'false' || t === 'off' || t === '') config.setXForwardedProtocol = 'off';
  else return `expected true, proto-only or false, got '${t}'`;
  return undefined;
});

/** `user:pass` (the password may contain `:`), or empty to turn Basic auth off. */
const basicCredential: Apply = scalar((t, { config }) => {
  if (t !== '' && (t.indexOf(':') <= 0 || /[\x00-\x1f\x7f]/.test(t))) return `expected user:pass (a non-empty user, no control characters)`;
  config.pushInHttpAuthBasic = t;
  return undefined;
});

function xff(field: 'xForwardedFor' | 'xForwardedForTrusted'): Apply {
  return (value, { config }) => {
    const d = decodeXffRule(items(value));
    if (!d.ok) return d.message;
    config[field] = d.value;
    return undefined;
  };
}

export const APPLIERS: readonly Applier[] = [
  // bootstrap: these define the substitutions, so they come first and are read raw
  { section: 'runner', key: 'rundir', apply: absolutePath('rundir'), raw: true },
  { section: 'global', key: 'rundir', apply: absolutePath('rundir'), raw: true },
  { section: 'global', key: 'ipc_prefix', apply: text('ipcPrefix'), raw: true },
  { section: 'global', key: 'port_offset', apply: int('portOffset', 0, 65535), raw: true },

  { section: 'global', key: 'stats_connection_ttl', apply: int('statsConnectionTtl', 1) },

  {
    section: 'runner',
    key: 'http_port',
    apply: (value, { config }) => {
      const out: ListenAddr[] = [];
      for (const item of items(value)) {
        const d = decodeListenAddr(item);
        if (!d.ok) return d.message;
        out.push(d.value);
      }
      config.httpPorts = out;
      return undefined;
    },
  },
  {
    section: 'runner',
    key: 'log_level',
    apply: (value, { config }) => {
      const d = decodeLogLevel(items(value));
      if (!d.ok) return d.message;
      config.logLevel = d.value;
      return undefined;
    },
  },
  { section: 'runner', key: 'client_buffer_size', apply: int('clientBufferSize', 1) },
  { section: 'runner', key: 'client_maxconn', apply: int('clientMaxconn', 1) },
  { section: 'runner', key: 'client_headers_timeout', apply: int('clientHeadersTimeout', 1, 86400) },
  { section: 'runner', key: 'allow_compression', apply: bool('allowCompression') },

  { section: 'proxy', key: 'routesfile', apply: absolutePath('routesFile') },
  { section: 'proxy', key: 'debug', apply: bool('debug') },
  { section: 'proxy', key: 'auto_cross_origin', apply: bool('autoCrossOrigin') },
  { section: 'proxy', key: 'accept_x_forwarded_protocol', apply: bool('acceptXForwardedProtocol') },
  { section: 'proxy', key: 'set_x_forwarded_protocol', apply: setXfProto },
  { section: 'proxy', key: 'x_forwarded_for', apply: xff('xForwardedFor') },
  { section: 'proxy', key: 'x_forwarded_for_trusted', apply: xff('xForwardedForTrusted') },
  { section: 'proxy', key: 'accept_pushpin_route', apply: bool('acceptPushpinRoute') },
  { section: 'proxy', key: 'cdn_loop', apply: text('cdnLoop') },
  { section: 'proxy', key: 'log_from', apply: bool('logFrom') },
  { section: 'proxy', key: 'log_user_agent', apply: bool('logUserAgent') },
  { section: 'proxy', key: 'sig_iss', apply: text('sigIss') },
  { section: 'proxy', key: 'sig_key', apply: text('sigKey') },
  { section: 'proxy', key: 'upstream_key', apply: text('upstreamKey') },
  { section: 'proxy', key: 'workers', apply: int('workers', 0) },
  { section: 'proxy', key: 'worker_accept', apply: oneOf('workerAccept', ['round-robin', 'kernel'], 'round-robin') },
  { section: 'proxy', key: 'stats_report_interval', apply: int('statsReportInterval', 0) },
  { section: 'proxy', key: 'prometheus_port', apply: prometheusPort },
  { section: 'proxy', key: 'prometheus_prefix', apply: prometheusPrefix },

  { section: 'handler', key: 'push_in_spec', apply: text('pushInSpec') },
  {
    section: 'handler',
    key: 'push_in_sub_specs',
    apply: (value, { config }) => {
      config.pushInSubSpecs = items(value);
      return undefined;
    },
  },
  {
    section: 'handler',
    key: 'push_in_sub_spec',
    apply: scalar((t, { config }) => {
      if (t !== '') config.pushInSubSpecs = [...config.pushInSubSpecs, t];
      return undefined;
    }),
  },
  { section: 'handler', key: 'push_in_sub_connect', apply: bool('pushInSubConnect') },
  { section: 'handler', key: 'push_in_http_addr', apply: nonEmpty('pushInHttpAddr') },
  { section: 'handler', key: 'push_in_http_port', apply: set('pushInHttpPort', decodePort) },
  { section: 'handler', key: 'push_in_max_headers_size', apply: int('pushInHttpMaxHeadersSize', 1) },
  { section: 'handler', key: 'push_in_max_body_size', apply: int('pushInHttpMaxBodySize', 1) },
  { section: 'handler', key: 'push_in_http_max_headers_size', apply: int('pushInHttpMaxHeadersSize', 1) },
  { section: 'handler', key: 'push_in_http_max_body_size', apply: int('pushInHttpMaxBodySize', 1) },
  { section: 'handler', key: 'push_in_http_auth_basic', apply: basicCredential, raw: true },
  { section: 'handler', key: 'push_in_http_auth_token', apply: text('pushInHttpAuthToken'), raw: true },
  {
    section: 'handler',
    key: 'push_in_http_auth_jwt_key',
    apply: (value, { config }) => {
      config.pushInHttpAuthJwtKeys = items(value);
      return undefined;
    },
  },
  { section: 'handler', key: 'stats_spec', apply: text('statsSpec') },
  { section: 'handler', key: 'command_spec', apply: text('commandSpec') },
  { section: 'handler', key: 'message_rate', apply: optInt('messageRate', 1) },
  { section: 'handler', key: 'message_hwm', apply: optInt('messageHwm', 1) },
  { section: 'handler', key: 'message_block_size', apply: optInt('messageBlockSize', 1) },
  { section: 'handler', key: 'message_wait', apply: int('messageWait', 0) },
  { section: 'handler', key: 'id_cache_ttl', apply: int('idCacheTtl', 0) },
  { section: 'handler', key: 'connection_subscription_max', apply: int('connectionSubscriptionMax', 1) },
  { section: 'handler', key: 'subscription_linger', apply: int('subscriptionLinger', 0) },
  { section: 'handler', key: 'stats_subscription_ttl', apply: int('statsSubscriptionTtl', 1) },
  { section: 'handler', key: 'stats_report_interval', apply: int('statsReportInterval', 0) },
  { section: 'handler', key: 'stats_format', apply: oneOf('statsFormat', ['tnetstring', 'json'], 'tnetstring') },
  { section: 'handler', key: 'prometheus_port', apply: prometheusPort },
  { section: 'handler', key: 'prometheus_prefix', apply: prometheusPrefix },
  { section: 'handler', key: 'update_on_first_subscription', apply: bool('updateOnFirstSubscription') },
  { section: 'handler', key: 'history_max_items', apply: int('historyMaxItems', 0) },
  { section: 'handler', key: 'history_max_age', apply: int('historyMaxAge', 1) },
  { section: 'handler', key: 'history_max_bytes', apply: int('historyMaxBytes', 1) },
];

/**
 * Which `pushpin.conf` keys Thumbtack knows, per section. Edit here when a key gains an implementation
 * (move it to `implemented` and give it a decoder in `config.ts`; a unit test checks the two agree).
 *
 * - `implemented`: takes effect;
 * - `not-yet`: a Pushpin option Thumbtack does not implement yet; one warning per line that sets it to a
 *   non-empty value (an empty value asks for nothing, so it is silent);
 * - `no-equivalent`: Pushpin plumbing a single-process Node replacement does not need; accepted silently.
 * Any key not listed for its section is an error.
 */

export type KeyStatus = 'implemented' | 'not-yet' | 'no-equivalent';

export type SectionName = 'global' | 'runner' | 'proxy' | 'handler';

/** ZeroMQ plumbing between Pushpin's processes, from `internal.conf` ([proxy] and [handler]). */
const INTERNAL_PROXY = [
  'condure_in_specs', 'condure_in_stream_specs', 'condure_out_specs',
  'condure_client_out_specs', 'condure_client_out_stream_specs', 'condure_client_in_specs',
  'connmgr_in_specs', 'connmgr_in_stream_specs', 'connmgr_out_specs',
  'connmgr_client_out_specs', 'connmgr_client_out_stream_specs', 'connmgr_client_in_specs',
  'm2a_in_specs', 'm2a_in_stream_specs', 'm2a_out_specs',
  'zurl_out_specs', 'zurl_out_stream_specs', 'zurl_in_specs',
  'handler_inspect_spec', 'handler_accept_spec', 'handler_retry_in_spec',
  'handler_ws_control_in_spec', 'handler_ws_control_out_spec',
  'handler_ws_control_init_specs', 'handler_ws_control_stream_specs',
  'stats_spec', 'command_spec',
  'intreq_in_specs', 'intreq_in_stream_specs', 'intreq_out_specs',
] as const;

const INTERNAL_HANDLER = [
  'proxy_inspect_spec', 'proxy_inspect_specs', 'proxy_accept_spec', 'proxy_accept_specs',
  'proxy_retry_out_spec', 'proxy_retry_out_specs',
  'proxy_ws_control_in_spec', 'proxy_ws_control_out_spec',
  'proxy_ws_control_init_specs', 'proxy_ws_control_stream_specs',
  'proxy_stats_spec', 'proxy_stats_specs', 'proxy_command_spec',
  'condure_in_stream_specs', 'condure_out_specs', 'connmgr_in_stream_specs', 'connmgr_out_specs',
  'm2a_in_stream_specs', 'm2a_out_specs',
  'proxy_intreq_out_specs', 'proxy_intreq_out_stream_specs', 'proxy_intreq_in_specs',
  'intreq_out_specs', 'intreq_out_stream_specs', 'intreq_in_specs',
] as const;

function all<K extends string>(keys: readonly K[], status: KeyStatus): Record<K, KeyStatus> {
  return Object.fromEntries(keys.map((k) => [k, status])) as Record<K, KeyStatus>;
}

export const CONFIG_KEYS: Record<SectionName, Readonly<Record<string, KeyStatus>>> = {
  global: {
    include: 'no-equivalent', // handled specially: only internal.conf is expected
    libdir: 'no-equivalent', // still used for {libdir}
    rundir: 'implemented',
    ipc_prefix: 'implemented',
    port_offset: 'implemented',
    stats_connection_ttl: 'implemented',
    stats_connection_send: 'not-yet', // 1.37+
  },
  runner: {
    rundir: 'implemented', // deprecated location; [global] wins
    services: 'no-equivalent',
    http_port: 'implemented',
    https_ports: 'not-yet',
    local_ports: 'not-yet',
    logdir: 'not-yet',
    log_level: 'implemented',
    client_buffer_size: 'implemented',
    client_maxconn: 'implemented',
    client_headers_timeout: 'implemented', // Thumbtack: slowloris bound (not in Pushpin)
    allow_compression: 'implemented', // 1.37+
    condure_bin: 'no-equivalent',
    mongrel2_bin: 'no-equivalent',
    m2sh_bin: 'no-equivalent',
    zurl_bin: 'no-equivalent',
  },
  proxy: {
    ...all(INTERNAL_PROXY, 'no-equivalent'),
    routesfile: 'implemented',
    debug: 'implemented',
    auto_cross_origin: 'implemented',
    accept_x_forwarded_protocol: 'implemented',
    set_x_forwarded_protocol: 'implemented',
    x_forwarded_for: 'implemented',
    x_forwarded_for_trusted: 'implemented',
    orig_headers_need_mark: 'not-yet',
    accept_pushpin_route: 'implemented',
    cdn_loop: 'implemented', // 1.37+
    log_from: 'implemented',
    log_user_agent: 'implemented',
    sig_iss: 'implemented',
    sig_key: 'implemented',
    upstream_key: 'implemented',
    sockjs_url: 'not-yet',
    updates_check: 'no-equivalent',
    organization_name: 'no-equivalent',
    max_open_requests: 'not-yet',
    stats_report_interval: 'implemented', // [handler] wins
    stats_connections_max_ttl: 'not-yet',
    prometheus_port: 'implemented', // [handler] wins
    prometheus_prefix: 'implemented', // [handler] wins
    ipc_file_mode: 'not-yet',
    workers: 'implemented', // Thumbtack: worker processes (Pushpin 1.39+: threads)
    worker_accept: 'implemented', // Thumbtack: round-robin or kernel accept across workers
  },
  handler: {
    ...all(INTERNAL_HANDLER, 'no-equivalent'),
    ipc_file_mode: 'not-yet',
    push_in_spec: 'implemented',
    push_in_sub_specs: 'implemented',
    push_in_sub_spec: 'implemented', // older single form, appended to push_in_sub_specs
    push_in_sub_connect: 'implemented',
    push_in_http_addr: 'implemented',
    push_in_http_port: 'implemented',
    push_in_http_max_headers_size: 'implemented',
    push_in_http_max_body_size: 'implemented',
    push_in_max_headers_size: 'implemented', // the spelling 1.36 really reads
    push_in_max_body_size: 'implemented', // the spelling 1.36 really reads
    push_in_http_auth_basic: 'implemented', // Thumbtack: publish API auth (not in Pushpin)
    push_in_http_auth_token: 'implemented', // Thumbtack
    push_in_http_auth_jwt_key: 'implemented', // Thumbtack
    stats_spec: 'implemented',
    command_spec: 'implemented',
    message_rate: 'implemented',
    message_hwm: 'implemented',
    message_block_size: 'implemented',
    message_wait: 'implemented',
    id_cache_ttl: 'implemented',
    connection_subscription_max: 'implemented',
    subscription_linger: 'implemented',
    stats_subscription_ttl: 'implemented',
    stats_report_interval: 'implemented',
    stats_format: 'implemented',
    prometheus_port: 'implemented',
    prometheus_prefix: 'implemented',
    update_on_first_subscription: 'implemented', // 1.41+
    history_max_items: 'implemented', // Thumbtack: per-channel history (not in Pushpin)
    history_max_age: 'implemented', // Thumbtack
    history_max_bytes: 'implemented', // Thumbtack
    share_all: 'not-yet',
    state_spec: 'not-yet',
  },
};

/** The status of `key` in `section`, or undefined for an unknown key or section. */
export function keyStatus(section: string, key: string): KeyStatus | undefined {
  if (!Object.hasOwn(CONFIG_KEYS, section)) return undefined;
  const table = CONFIG_KEYS[section as SectionName];
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyPortOffset,
  buildConfig,
  defaultConfig,
  formatConfigProblem,
  type ConfigProblem,
  type ThumbtackConfig,
} from '../../../src/config/config';
import { APPLIERS } from '../../../src/config/config-appliers';
import { CONFIG_KEYS, keyStatus } from '../../../src/config/keys';
import { parseRoutes } from '../../../src/config/routes';

const FILE = '/etc/thumbtack/pushpin.conf';
const FIXTURES = join(__dirname, '../../fixtures');

function build(text: string, file = FILE): { config: ThumbtackConfig; warnings: string[]; errors: string[] } {
  const r = buildConfig(text, file);
  return { config: r.config, warnings: r.warnings.map(formatConfigProblem), errors: r.errors.map(formatConfigProblem) };
}

function good(text: string): ThumbtackConfig {
  const r = build(text);
  expect(r.errors).toEqual([]);
  return r.config;
}

function errorsOf(text: string): string[] {
  return build(text).errors;
}

describe('buildConfig: Debian Pushpin 1.36 pushpin.conf', () => {
  const text = readFileSync(join(FIXTURES, 'pushpin-1.36.conf'), 'utf8');
  const r = buildConfig(text, '/etc/pushpin/pushpin.conf');

  it('reads it with no errors and one warning per set, unimplemented key', () => {
    expect(r.errors).toEqual([]);
    expect(r.warnings.map(formatConfigProblem)).toEqual([
      "/etc/pushpin/pushpin.conf:31: [runner] key 'logdir' is a Pushpin option Thumbtack does not implement yet; ignored",
      "/etc/pushpin/pushpin.conf:93: [proxy] key 'sockjs_url' is a Pushpin option Thumbtack does not implement yet; ignored",
    ]);
    expect(r.warnings[0]).toEqual({
      file: '/etc/pushpin/pushpin.conf',
      line: 31,
      section: 'runner',
      key: 'logdir',
      message: "[runner] key 'logdir' is a Pushpin option Thumbtack does not implement yet; ignored",
    });
  });

  it('gives the shipped values', () => {
    expect(r.config).toEqual({
      ...defaultConfig('/etc/pushpin'),
      configFile: '/etc/pushpin/pushpin.conf',
      rundir: '/var/run/pushpin',
      statsSpec: 'ipc:///var/run/pushpin/pushpin-stats',
    });
  });

  it('also accepts the internal.conf keys silently', () => {
    const internal = readFileSync(join(FIXTURES, 'pushpin-1.36-internal.conf'), 'utf8');
    const i = buildConfig(internal, '/usr/lib/pushpin/internal.conf');
    expect(i.errors).toEqual([]);
    expect(i.warnings).toEqual([]);
  });
});

describe('defaultConfig', () => {
  it('uses Pushpin shipped values and paths under the config folder', () => {
    const c = defaultConfig('/srv/tt');
    expect(c).toMatchObject({
      configDir: '/srv/tt',
      rundir: '/srv/tt/run',
      routesFile: '/srv/tt/routes',
      statsSpec: 'ipc:///srv/tt/run/pushpin-stats',
      sigKey: 'changeme',
      sigIss: 'pushpin',
      messageRate: 2500,
      messageHwm: 25000,
      idCacheTtl: 60,
      httpPorts: [{ port: 7999 }],
      pushInHttpPort: 5561,
      setXForwardedProtocol: 'proto-only',
      workers: 0,
    });
    expect(c.configFile).toBeUndefined();
    expect(c.messageBlockSize).toBeUndefined();
    expect(c.prometheusPort).toBeUndefined();
  });
});

describe('buildConfig: paths and substitutions', () => {
  it('resolves relative rundir and routesfile against the config folder', () => {
    const c = good('[global]\nrundir=run/x\n[proxy]\nroutesfile=../routes.d/main');
    expect(c.rundir).toBe('/etc/thumbtack/run/x');
    expect(c.routesFile).toBe('/etc/routes.d/main');
    expect(c.configDir).toBe('/etc/thumbtack');
    expect(c.configFile).toBe(FILE);
  });

  it('accepts rundir in [runner] (deprecated) with [global] winning', () => {
    expect(good('[runner]\nrundir=/a').rundir).toBe('/a');
    expect(good('[global]\nrundir=/b\n[runner]\nrundir=/a').rundir).toBe('/b');
  });

  it('substitutes {rundir}, {ipc_prefix} and {libdir}', () => {
    const c = good(
      '[global]\nrundir=/run/tt\nipc_prefix=p1-\nlibdir=/opt/lib\n[proxy]\nroutesfile={libdir}/routes\n[handler]\ncommand_spec=ipc://{rundir}/{ipc_prefix}command\nprometheus_port=ipc://{rundir}/prom',
    );
    expect(c.statsSpec).toBe('ipc:///run/tt/p1-stats');
    expect(c.commandSpec).toBe('ipc:///run/tt/p1-command');
    expect(c.routesFile).toBe('/opt/lib/routes');
    expect(c.prometheusPort).toBe('ipc:///run/tt/prom');
    expect(buildConfig('[proxy]\nroutesfile={libdir}/r', FILE, { libdir: '/usr/lib/tt' }).config.routesFile).toBe('/usr/lib/tt/r');
  });

  it('accepts [global] include of internal.conf silently and warns about any other include', () => {
    expect(build('[global]\ninclude={libdir}/internal.conf').warnings).toEqual([]);
    expect(build('[global]\ninclude=internal.conf').warnings).toEqual([]);
    expect(build('[global]\ninclude=extra.conf').warnings).toEqual([
      `${FILE}:2: [global] include 'extra.conf' is ignored: Thumbtack reads only this file`,
    ]);
  });
});

describe('buildConfig: port_offset', () => {
  const c = good(
    '[global]\nport_offset=300\n[runner]\nhttp_port=7999\n[handler]\npush_in_sub_specs=tcp://127.0.0.1:5562,tcp://[::1]:6000,ipc:///x\nprometheus_port=9090',
  );

  it('shifts tcp:// ZeroMQ specs (defaults included) and push_in_http_port', () => {
    expect(c.pushInSpec).toBe('tcp://127.0.0.1:5860');
    expect(c.pushInSubSpecs).toEqual(['tcp://127.0.0.1:5862', 'tcp://[::1]:6300', 'ipc:///x']);
    expect(c.commandSpec).toBe('tcp://127.0.0.1:5863');
    expect(c.pushInHttpPort).toBe(5861);
    expect(c.portOffset).toBe(300);
  });

  it('does not shift http_port, prometheus_port or ipc specs', () => {
    expect(c.httpPorts).toEqual([{ port: 7999 }]);
    expect(c.prometheusPort).toBe('9090');
    expect(c.statsSpec.startsWith('ipc://')).toBe(true);
  });

  it('reports a shifted port out of range', () => {
    // the default specs are blamed on port_offset (line 2)
    expect(errorsOf('[global]\nport_offset=60000\n[handler]\npush_in_http_port=6000')).toEqual([
      `${FILE}:2: port 65560 of 'tcp://127.0.0.1:65560' is out of range 1-65535 after port_offset 60000`,
      `${FILE}:2: port 65562 of 'tcp://127.0.0.1:65562' is out of range 1-65535 after port_offset 60000`,
      `${FILE}:2: port 65563 of 'tcp://127.0.0.1:65563' is out of range 1-65535 after port_offset 60000`,
      `${FILE}:4: push_in_http_port 66000 is out of range 1-65535 after port_offset 60000`,
    ]);
    expect(errorsOf('[global]\nport_offset=60000\n[handler]\npush_in_spec=tcp://*:5600\npush_in_sub_specs=\ncommand_spec=\npush_in_http_port=10')).toEqual([
      `${FILE}:4: port 65600 of 'tcp://*:65600' is out of range 1-65535 after port_offset 60000`,
    ]);
  });

  it('applyPortOffset shifts every tcp:// port and nothing else', () => {
    expect(applyPortOffset('tcp://127.0.0.1:5560', 10)).toBe('tcp://127.0.0.1:5570');
    expect(applyPortOffset('tcp://*:5560', 10)).toBe('tcp://*:5570');
    expect(applyPortOffset('tcp://[::1]:5560', 10)).toBe('tcp://[::1]:5570');
    expect(applyPortOffset('ipc:///run/x:5560', 10)).toBe('ipc:///run/x:5560');
    expect(applyPortOffset('tcp://a:1,tcp://b:2', 5)).toBe('tcp://a:6,tcp://b:7');
    expect(applyPortOffset('tcp://a:1', 0)).toBe('tcp://a:1');
  });
});

describe('buildConfig: values', () => {
  it('reads every implemented [proxy] and [runner] value', () => {
    const c = good(
      [
        '[runner]',
        'http_port=127.0.0.1:8080, 9000, [::1]:9001',
        'log_level=1,proxy:3',
        'client_buffer_size=16384',
        'client_maxconn=100',
        'allow_compression=true',
        '[proxy]',
        'debug=TRUE',
        'auto_cross_origin=1',
        'accept_x_forwarded_protocol=true',
        'set_x_forwarded_protocol=true',
        'x_forwarded_for=truncate:0,append',
        'x_forwarded_for_trusted=append',
        'accept_pushpin_route=true',
        'cdn_loop=edge; comment',
        'log_from=true',
        'log_user_agent=true',
        'sig_iss=me',
        'sig_key="base64:a,b="',
        'upstream_key=file:up.pem',
        'workers=4',
        'worker_accept=kernel',
      ].join('\n'),
    );
    expect(c).toMatchObject({
      httpPorts: [{ host: '127.0.0.1', port: 8080 }, { port: 9000 }, { host: '::1', port: 9001 }],
      logLevel: 3,
      clientBufferSize: 16384,
      clientMaxconn: 100,
      allowCompression: true,
      debug: true,
      autoCrossOrigin: true,
      acceptXForwardedProtocol: true,
      setXForwardedProtocol: 'true',
      xForwardedFor: { truncate: 0, append: true },
      xForwardedForTrusted: { append: true },
      acceptPushpinRoute: true,
      cdnLoop: 'edge',
      logFrom: true,
      logUserAgent: true,
      sigIss: 'me',
      sigKey: 'base64:a,b=',
      upstreamKey: 'file:up.pem',
      workers: 4,
      workerAccept: 'kernel',
    });
    expect(good('[proxy]\nworkers=2').workerAccept).toBe('round-robin');
    expect(good('[proxy]\nset_x_forwarded_protocol=false').setXForwardedProtocol).toBe('off');
    expect(good('[runner]\nhttp_port=').httpPorts).toEqual([]);
    expect(good('[runner]\nlog_level=3,handler:1').logLevel).toBe(3);
  });

  it('reads every implemented [handler] and [global] value', () => {
    const c = good(
      [
        '[global]',
        'ipc_prefix=x-',
        'stats_connection_ttl=30',
        '[handler]',
        'push_in_spec=',
        'push_in_sub_specs=tcp://a:1',
        'push_in_sub_spec=tcp://b:2',
        'push_in_sub_connect=true',
        'push_in_http_addr=0.0.0.0',
        'push_in_http_port=6001',
        'push_in_http_max_headers_size=2000',
        'push_in_http_max_body_size=3000',
        'message_rate=',
        'message_hwm=-1',
        'message_block_size=100',
        'message_wait=100',
        'id_cache_ttl=0',
        'connection_subscription_max=5',
        'subscription_linger=7',
        'stats_subscription_ttl=8',
        'stats_report_interval=9',
        'stats_format=json',
        'prometheus_port=127.0.0.1:9100',
        'prometheus_prefix=tt_',
        'update_on_first_subscription=false',
      ].join('\n'),
    );
    expect(c).toMatchObject({
      ipcPrefix: 'x-',
      statsConnectionTtl: 30,
      pushInSpec: '',
      pushInSubSpecs: ['tcp://a:1', 'tcp://b:2'],
      pushInSubConnect: true,
      pushInHttpAddr: '0.0.0.0',
      pushInHttpPort: 6001,
      pushInHttpMaxHeadersSize: 2000,
      pushInHttpMaxBodySize: 3000,
      messageBlockSize: 100,
      messageWait: 100,
      idCacheTtl: 0,
      connectionSubscriptionMax: 5,
      subscriptionLinger: 7,
      statsSubscriptionTtl: 8,
      statsReportInterval: 9,
      statsFormat: 'json',
      prometheusPort: '127.0.0.1:9100',
      prometheusPrefix: 'tt_',
      updateOnFirstSubscription: false,
      statsSpec: 'ipc:///etc/thumbtack/run/x-stats',
    });
    expect(c.messageRate).toBeUndefined();
    expect(c.messageHwm).toBeUndefined();
  });

  it('accepts the 1.36 push_in_max_* spelling, the documented one winning', () => {
    const c = good('[handler]\npush_in_max_headers_size=111\npush_in_max_body_size=222');
    expect([c.pushInHttpMaxHeadersSize, c.pushInHttpMaxBodySize]).toEqual([111, 222]);
    const both = good('[handler]\npush_in_http_max_body_size=5\npush_in_max_body_size=9');
    expect(both.pushInHttpMaxBodySize).toBe(5);
  });

  it('takes stats_report_interval and prometheus_* from [proxy] unless [handler] sets them', () => {
    const p = good('[proxy]\nstats_report_interval=3\nprometheus_port=9000\nprometheus_prefix=p_');
    expect([p.statsReportInterval, p.prometheusPort, p.prometheusPrefix]).toEqual([3, '9000', 'p_']);
    const r = build('[proxy]\nstats_report_interval=3\nprometheus_port=9000\n[handler]\nstats_report_interval=4\nprometheus_port=9001');
    expect(r.errors).toEqual([]);
    expect([r.config.statsReportInterval, r.config.prometheusPort]).toEqual([4, '9001']);
    expect(r.warnings).toEqual([
      `${FILE}:3: [proxy] prometheus_port is ignored: Thumbtack serves one Prometheus endpoint, on [handler] prometheus_port (line 6)`,
    ]);
    expect(good('[proxy]\nprometheus_port=9000\n[handler]\nprometheus_port=').prometheusPort).toBe('9000');
  });

  it('warns once per line about unimplemented keys, but not when they are empty', () => {
    const r = build('[runner]\nhttps_ports=443\nlocal_ports=\n[handler]\nshare_all=true\nstate_spec=\nipc_file_mode=777');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      `${FILE}:2: [runner] key 'https_ports' is a Pushpin option Thumbtack does not implement yet; ignored`,
      `${FILE}:5: [handler] key 'share_all' is a Pushpin option Thumbtack does not implement yet; ignored`,
      `${FILE}:7: [handler] key 'ipc_file_mode' is a Pushpin option Thumbtack does not implement yet; ignored`,
    ]);
  });

  it('accepts keys that need no equivalent silently', () => {
    const r = build(
      '[global]\nlibdir=/usr/lib/pushpin\n[runner]\nservices=condure,pushpin-proxy\ncondure_bin=x\nzurl_bin=z\n[proxy]\nupdates_check=report\norganization_name=me\nzurl_out_specs=ipc://x\n[handler]\nproxy_accept_spec=ipc://y',
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('warns when a key is set twice, the last value winning', () => {
    const r = build('[proxy]\ndebug=true\ndebug=false');
    expect(r.config.debug).toBe(false);
    expect(r.warnings).toEqual([`${FILE}:3: [proxy] key 'debug' is set again (first on line 2); the last value wins`]);
  });
});

describe('buildConfig: errors', () => {
  it('names file, line and section for unknown keys', () => {
    expect(errorsOf('[proxy]\ndebug=false\n\nfoo=1')).toEqual([`${FILE}:4: unknown key 'foo' in [proxy]`]);
    expect(errorsOf('top=1')).toEqual([`${FILE}:1: unknown key 'top' outside any section`]);
    expect(errorsOf('[cache]\ncache_enable=true')).toEqual([`${FILE}:2: unknown key 'cache_enable' in [cache]`]);
    // a key in a section Pushpin does not read it from
    expect(errorsOf('[proxy]\nhttp_port=80')).toEqual([`${FILE}:2: unknown key 'http_port' in [proxy]`]);
    // '#' only starts a comment at the beginning of a line; keys are case-sensitive
    expect(errorsOf('[proxy]\nDebug=true')).toEqual([`${FILE}:2: unknown key 'Debug' in [proxy]`]);
  });

  it('names the key for bad values, keeping the default', () => {
    const cases: Array<[string, string]> = [
      ['[runner]\nhttp_port=abc', "bad value for 'http_port' in [runner]: expected a port number (1-65535), got 'abc' in 'abc'"],
      ['[runner]\nhttp_port=70000', "bad value for 'http_port' in [runner]: must be 1-65535, got 70000 in '70000'"],
      ['[runner]\nhttp_port=::1:80', "bad value for 'http_port' in [runner]: IPv6 addresses must be written [addr]:port, got '::1:80'"],
      ['[proxy]\ndebug=yes', "bad value for 'debug' in [proxy]: expected true or false, got 'yes'"],
      ['[global]\nport_offset=-1', "bad value for 'port_offset' in [global]: must be 0-65535, got -1"],
      ['[global]\nport_offset=1.5', "bad value for 'port_offset' in [global]: expected an integer, got '1.5'"],
      ['[handler]\npush_in_http_port=0', "bad value for 'push_in_http_port' in [handler]: must be 1-65535, got 0"],
      ['[handler]\nmessage_rate=0', "bad value for 'message_rate' in [handler]: must be 1-2147483647, got 0 (or empty / -1 for no limit)"],
      ['[handler]\nstats_format=xml', "bad value for 'stats_format' in [handler]: expected tnetstring or json, got 'xml'"],
      ['[proxy]\nset_x_forwarded_protocol=proto_only', "bad value for 'set_x_forwarded_protocol' in [proxy]: expected true, proto-only or false, got 'proto_only'"],
      ['[proxy]\nx_forwarded_for=truncate:x', "bad value for 'x_forwarded_for' in [proxy]: bad truncate count in 'truncate:x': expected an integer, got 'x'"],
      ['[proxy]\nx_forwarded_for=prepend', "bad value for 'x_forwarded_for' in [proxy]: expected 'truncate:<n>' or 'append', got 'prepend'"],
      ['[proxy]\nsig_key=a,b', "bad value for 'sig_key' in [proxy]: expected a single value but it contains a comma (quote the value to keep commas): 'a,b'"],
      ['[proxy]\nroutesfile=', "bad value for 'routesfile' in [proxy]: must not be empty"],
      ['[runner]\nlog_level=loud', "bad value for 'log_level' in [runner]: log level expected an integer, got 'loud'"],
      ['[handler]\nprometheus_port=localhost', "bad value for 'prometheus_port' in [handler]: expected [addr:]port or ipc://<path>: expected a port number (1-65535), got 'localhost' in 'localhost'"],
      ['[proxy]\nworkers=-2', "bad value for 'workers' in [proxy]: must be 0-2147483647, got -2"],
      ['[proxy]\nworker_accept=random', "bad value for 'worker_accept' in [proxy]: expected round-robin or kernel, got 'random'"],
      // Seconds that times 1000 would pass the timer wheel's range are refused (Pushpin reads a 32-bit int).
      ['[handler]\nsubscription_linger=99999999999', "bad value for 'subscription_linger' in [handler]: must be 0-2147483647, got 99999999999"],
    ];
    for (const [text, message] of cases) {
      const r = buildConfig(text, FILE);
      expect(r.errors.map((e) => e.message)).toEqual([message]);
      expect(r.errors[0]).toMatchObject<Partial<ConfigProblem>>({ file: FILE, line: 2, section: text.slice(1, text.indexOf(']')) });
    }
    expect(buildConfig('[proxy]\ndebug=yes', FILE).config.debug).toBe(false);
  });

  it('reports INI syntax errors with their line', () => {
    const r = buildConfig('[proxy]\ndebug=false\nnot a key\n', FILE);
    expect(r.errors).toEqual([
      { file: FILE, line: 3, section: '', key: '', message: "expected 'key=value', a [section] or a comment: 'not a key'" },
    ]);
    expect(r.config.statsSpec).toBe('ipc:///etc/thumbtack/run/pushpin-stats');
  });
});

describe('keys table', () => {
  it('has an applier for every implemented key, and only for those', () => {
    const implemented = Object.entries(CONFIG_KEYS).flatMap(([section, keys]) =>
      Object.entries(keys)
        .filter(([, status]) => status === 'implemented')
        .map(([key]) => `${section}/${key}`),
    );
    const applied = APPLIERS.map((a) => `${a.section}/${a.key}`);
    expect([...applied].sort()).toEqual([...implemented].sort());
    expect(new Set(applied).size).toBe(applied.length);
  });

  it('classifies keys per section', () => {
    expect(keyStatus('proxy', 'debug')).toBe('implemented');
    expect(keyStatus('proxy', 'stats_spec')).toBe('no-equivalent');
    expect(keyStatus('handler', 'stats_spec')).toBe('implemented');
    expect(keyStatus('runner', 'https_ports')).toBe('not-yet');
    expect(keyStatus('proxy', 'toString')).toBeUndefined();
    expect(keyStatus('constructor', 'x')).toBeUndefined();
  });
});

describe('repository example files', () => {
  const root = join(__dirname, '../../..');

  it('pushpin.conf.example parses with no errors or warnings, and gives the defaults', () => {
    const text = readFileSync(join(root, 'pushpin.conf.example'), 'utf8');
    const file = join(root, 'pushpin.conf.example');
    const r = buildConfig(text, file);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config).toEqual({ ...defaultConfig(root), configFile: file });
  });

  it('pushpin.conf.example sets every implemented key in its main section, with a comment above', () => {
    const text = readFileSync(join(root, 'pushpin.conf.example'), 'utf8');
    const lines = text.split('\n');
    const aliases = new Set(['runner/rundir', 'proxy/stats_report_interval', 'proxy/prometheus_port', 'proxy/prometheus_prefix',
      'handler/push_in_sub_spec', 'handler/push_in_max_headers_size', 'handler/push_in_max_body_size']);
    let section = '';
    const seen = new Set<string>();
    lines.forEach((line, i) => {
      const m = /^\[(\w+)\]/.exec(line);
      if (m) section = m[1] as string;
      const kv = /^(\w+)=/.exec(line);
      if (kv) {
        seen.add(`${section}/${kv[1]}`);
        // a comment directly above, or above the previous key of a pair (push_in_http_addr/port)
        const above = lines.slice(Math.max(0, i - 2), i).some((l) => l.startsWith('#'));
        expect([`${section}/${kv[1]}`, above]).toEqual([`${section}/${kv[1]}`, true]);
      }
    });
    for (const a of APPLIERS) {
      const id = `${a.section}/${a.key}`;
      if (!aliases.has(id)) expect([id, seen.has(id)]).toEqual([id, true]);
    }
  });

  it('routes has one active route to the example backend', () => {
    const r = parseRoutes(readFileSync(join(root, 'routes'), 'utf8'), 'routes');
    expect(r.problems).toEqual([]);
    expect(r.routes.map((x) => [x.domain, x.targets.map((t) => `${t.host}:${t.port}`)])).toEqual([['*', ['127.0.0.1:8000']]]);
  });
});

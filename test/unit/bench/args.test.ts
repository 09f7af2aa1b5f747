import { decodeCpuList, decodeInt, parseBenchArgs, SCENARIOS, USAGE, type BenchArgs } from '../../../tools/bench/args';
import { fanoutScenario } from '../../../tools/bench/scenarios/fanout';
import { wsScenario } from '../../../tools/bench/scenarios/ws';

function parsed(argv: string[]): BenchArgs {
  const r = parseBenchArgs(argv);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error.message}`);
  return r.value;
}

function failure(argv: string[]): { code: string; message: string } {
  const r = parseBenchArgs(argv);
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

describe('parseBenchArgs', () => {
  it('applies the defaults', () => {
    expect(parsed(['fanout'])).toEqual(
      expect.objectContaining({ scenario: 'fanout', targets: ['thumbtack'], runs: 3, json: false, pushpinLimits: 'raised', logLevel: 2, pids: [] }),
    );
    expect(parsed(['fanout']).n).toBeUndefined();
    expect(parsed(['fanout']).batch).toBe(false);
    expect(parsed(['fanout', '--batch']).batch).toBe(true);
  });

  it('reads options in both spellings and expands --target both', () => {
    const a = parsed(['connections', '--target', 'both', '--runs=5', '--n', '15_000', '--json', '--pushpin-limits=shipped', '--pending', '50']);
    expect(a.targets).toEqual(['thumbtack', 'pushpin']);
    expect(a.runs).toBe(5);
    expect(a.n).toBe(15000);
    expect(a.json).toBe(true);
    expect(a.pushpinLimits).toBe('shipped');
    expect(a.pending).toBe(50);
  });

  it('--target takes floor, and two systems as A,B in that run order', () => {
    expect(parsed(['connect', '--target', 'floor']).targets).toEqual(['floor']);
    expect(parsed(['connect', '--target', 'thumbtack,floor']).targets).toEqual(['thumbtack', 'floor']);
    expect(parsed(['connect', '--target=floor,pushpin']).targets).toEqual(['floor', 'pushpin']);
    expect(failure(['connect', '--target', 'floor,floor']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['connect', '--target', 'thumbtack,floor,pushpin']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['connect', '--target', 'thumbtack,']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['ws', '--target', 'thumbtack,floor']).message).toMatch(/WebSocket-over-HTTP/);
    expect(parsed(['ws', '--target', 'both']).targets).toEqual(['thumbtack', 'pushpin']);
    expect(
      failure(['proxy', '--target', 'thumbtack,floor', '--url', 'http://127.0.0.1:7999', '--publish-url', 'http://127.0.0.1:5561', '--backend-port', '1']).message,
    ).toMatch(/two systems/);
  });

  it('takes --warmup-conns and --warmup-s, 0 included, and leaves their defaults to the scenario', () => {
    expect(parsed(['connect']).warmupConns).toBeUndefined();
    expect(parsed(['proxy']).warmupS).toBeUndefined();
    expect(parsed(['connect', '--warmup-conns', '0']).warmupConns).toBe(0);
    expect(parsed(['proxy', '--warmup-s=3']).warmupS).toBe(3);
    expect(failure(['connect', '--warmup-conns', '100001']).code).toBe('BENCH_ARG_RANGE');
    expect(failure(['throughput', '--warmup-s', '1.5']).code).toBe('BENCH_ARG_INVALID');
  });

  it('takes --warmup rounds, 0 included, and leaves the default to the scenario', () => {
    expect(parsed(['fanout']).warmup).toBeUndefined();
    expect(parsed(['fanout', '--warmup', '0']).warmup).toBe(0);
    expect(parsed(['ws', '--warmup=2', '--rounds', '5'])).toEqual(expect.objectContaining({ warmup: 2, rounds: 5 }));
    expect(failure(['fanout', '--warmup', '-1']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', '--warmup', '101']).code).toBe('BENCH_ARG_RANGE');
  });

  it('accepts a running proxy with all its URLs and pids', () => {
    const a = parsed(['proxy', '--url', 'http://127.0.0.1:7999/', '--publish-url', 'http://127.0.0.1:5561', '--backend-port', '8080', '--pid', '12', '--pid', '13']);
    expect(a.url).toBe('http://127.0.0.1:7999');
    expect(a.publishUrl).toBe('http://127.0.0.1:5561');
    expect(a.pids).toEqual([12, 13]);
  });

  it('rejects unknown scenarios, options and targets', () => {
    expect(failure([]).code).toBe('BENCH_ARG_MISSING');
    expect(failure(['nope']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', 'proxy']).code).toBe('BENCH_ARG_UNKNOWN');
    expect(failure(['fanout', '--fast']).code).toBe('BENCH_ARG_UNKNOWN');
    expect(failure(['fanout', '--target', 'nginx']).message).toMatch(/thumbtack, pushpin, floor, both or two of them as A,B/);
    expect(failure(['fanout', '--target']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', '--pushpin-limits', 'none']).code).toBe('BENCH_ARG_INVALID');
  });

  it('rejects bad numbers and out-of-range sizes', () => {
    expect(failure(['fanout', '--runs', '0']).code).toBe('BENCH_ARG_RANGE');
    expect(failure(['fanout', '--runs', '2.5']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', '--n', '-5']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', '--n', '1e3']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['fanout', '--n']).code).toBe('BENCH_ARG_MISSING');
    expect(failure(['fanout', '--n', '300000']).code).toBe('BENCH_ARG_RANGE');
  });

  it('sends traffic only to 127.0.0.1 and needs every URL of a running proxy', () => {
    expect(failure(['proxy', '--url', 'http://10.0.0.1:80', '--publish-url', 'http://127.0.0.1:5561', '--backend-port', '1']).message).toMatch(/127\.0\.0\.1/);
    expect(failure(['proxy', '--url', 'https://127.0.0.1:80']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['proxy', '--url', 'not a url']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['proxy', '--url', 'http://127.0.0.1:7999']).code).toBe('BENCH_ARG_MISSING');
    expect(
      failure(['proxy', '--target', 'both', '--url', 'http://127.0.0.1:7999', '--publish-url', 'http://127.0.0.1:5561', '--backend-port', '1']).code,
    ).toBe('BENCH_ARG_INVALID');
  });

  it('--cpu-prof needs a folder', () => {
    expect(parsed(['fanout', '--cpu-prof', '/tmp/prof']).cpuProf).toBe('/tmp/prof');
    expect(failure(['fanout', '--cpu-prof']).code).toBe('BENCH_ARG_MISSING');
    expect(failure(['fanout', '--cpu-prof', '--json']).code).toBe('BENCH_ARG_MISSING');
  });
});

describe('scenario names', () => {
  it('knows the issue 6 names and keeps the former ones as aliases', () => {
    for (const name of ['idle', 'connect', 'fanout', 'throughput', 'proxy', 'ws', 'keepalive']) {
      const a = parsed([name]);
      expect(a.scenario).toBe(name);
      expect(a.alias).toBeUndefined();
    }
    expect(parsed(['connections'])).toEqual(expect.objectContaining({ scenario: 'idle', alias: 'connections' }));
    expect(parsed(['publish'])).toEqual(expect.objectContaining({ scenario: 'throughput', alias: 'publish' }));
    expect(failure(['websocket']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['toString']).code).toBe('BENCH_ARG_INVALID');
    expect(failure(['idle', 'connections']).code).toBe('BENCH_ARG_UNKNOWN');
  });

  it('USAGE names every scenario, the aliases and --gc', () => {
    for (const name of [...SCENARIOS, 'connections', 'publish', '--gc']) expect(USAGE).toContain(name);
  });
});

describe('--gc', () => {
  it('is off by default and takes no value', () => {
    expect(parsed(['idle']).gc).toBe(false);
    expect(parsed(['ws', '--gc', '--n', '10']).gc).toBe(true);
    expect(parsed(['ws', '--gc', '--n', '10']).n).toBe(10);
    expect(failure(['idle', '--gc=yes']).code).toBe('BENCH_ARG_UNKNOWN');
  });
});

describe('--worker-accept', () => {
  it('takes round-robin or kernel, and is absent unless given', () => {
    expect(parsed(['connect']).workerAccept).toBeUndefined();
    expect(parsed(['connect', '--worker-accept', 'kernel']).workerAccept).toBe('kernel');
    expect(parsed(['connect', '--worker-accept', 'round-robin']).workerAccept).toBe('round-robin');
    expect(failure(['connect', '--worker-accept', 'random']).message).toMatch(/--worker-accept: expected round-robin or kernel, got "random"/);
    expect(USAGE).toContain('--worker-accept');
  });
});

describe('--proxy-cpus and --load-cpus', () => {
  it('take taskset CPU lists, and are absent unless given', () => {
    const none = parsed(['connect']);
    expect(none.proxyCpus).toBeUndefined();
    expect(none.loadCpus).toBeUndefined();
    const both = parsed(['connect', '--proxy-cpus', '0', '--load-cpus=1-3,5']);
    expect(both.proxyCpus).toBe('0');
    expect(both.loadCpus).toBe('1-3,5');
    expect(failure(['connect', '--proxy-cpus', 'first']).message).toMatch(/--proxy-cpus: not a CPU list such as 0, 1-3 or 0,2: "first"/);
    expect(failure(['connect', '--load-cpus']).code).toBe('BENCH_ARG_MISSING');
    expect(USAGE).toContain('--proxy-cpus LIST --load-cpus LIST');
  });

  it('apply only to a proxy the bench starts', () => {
    const external = ['connect', '--url', 'http://127.0.0.1:7999', '--publish-url', 'http://127.0.0.1:5561', '--backend-port', '8080'];
    expect(failure([...external, '--proxy-cpus', '0']).message).toMatch(/--proxy-cpus applies to a proxy the bench starts/);
    expect(parsed([...external, '--load-cpus', '1']).loadCpus).toBe('1');
  });
});

describe('decodeCpuList', () => {
  it('numbers and upward ranges separated by commas', () => {
    for (const ok of ['0', '1', '0-1', '0,2', '1-3,5,7-8']) expect(decodeCpuList('--c', ok)).toEqual({ ok: true, value: ok });
    for (const bad of ['', '-1', '1-', '1,,2', '0 1', 'a', '1-3-5', ' 0', '3-1', '0-99999']) expect(decodeCpuList('--c', bad).ok).toBe(false);
  });
});

describe('decodeInt', () => {
  it('bounds and digits', () => {
    expect(decodeInt('--x', '7', { min: 1, max: 9 })).toEqual({ ok: true, value: 7 });
    const low = decodeInt('--x', '0', { min: 1, max: 9 });
    expect(low.ok).toBe(false);
    expect(decodeInt('--x', '', { min: 0, max: 9 }).ok).toBe(false);
    expect(decodeInt('--x', '_', { min: 0, max: 9 }).ok).toBe(false);
    expect(decodeInt('--x', '0x10', { min: 0, max: 99 }).ok).toBe(false);
  });
});

describe('the publish-round scenarios', () => {
  it('run 3 warm-up rounds in fanout and ws unless --warmup says otherwise', () => {
    for (const scenario of [fanoutScenario, wsScenario]) {
      expect(scenario.params(parsed([scenario.name])).warmup).toBe(3);
      expect(scenario.params(parsed([scenario.name, '--warmup', '1'])).warmup).toBe(1);
    }
  });
});

import { editIni, iniValue, instanceEdits, offsetPorts, routesFile } from '../../../tools/bench/target-config';
import { split } from '../../../tools/bench/fleet';

const SHIPPED = `[global]
include={libdir}/internal.conf
rundir=/var/run/pushpin
port_offset=0

[runner]
# comment kept
http_port=7999
logdir=/var/log/pushpin
client_maxconn=50000

[handler]
message_rate=2500
message_hwm=25000
`;

describe('editIni', () => {
  it('replaces, removes and adds keys per section, keeping comments', () => {
    const out = editIni(SHIPPED, [
      { section: 'runner', key: 'http_port', value: '127.0.0.1:1234' },
      { section: 'handler', key: 'message_rate', value: undefined },
      { section: 'runner', key: 'services', value: 'condure' },
      { section: 'proxy', key: 'routesfile', value: '/tmp/x/routes' },
    ]);
    expect(out).toContain('# comment kept');
    expect(out).toContain('http_port=127.0.0.1:1234');
    expect(out).not.toContain('http_port=7999');
    expect(out).not.toContain('message_rate');
    expect(out).toContain('message_hwm=25000');
    expect(out).toMatch(/\[runner\][^[]*services=condure/);
    expect(out).toMatch(/\[proxy\]\nroutesfile=\/tmp\/x\/routes/);
  });

  it('does not touch a key of the same name in another section', () => {
    const out = editIni('[a]\nx=1\n[b]\nx=2\n', [{ section: 'b', key: 'x', value: '3' }]);
    expect(out).toBe('[a]\nx=1\n[b]\nx=3\n');
  });
});

describe('iniValue', () => {
  it('reads a key of one section, trimmed, the last one if repeated', () => {
    expect(iniValue(SHIPPED, 'runner', 'client_maxconn')).toBe('50000');
    expect(iniValue(SHIPPED, 'global', 'port_offset')).toBe('0');
    expect(iniValue(SHIPPED, 'handler', 'client_maxconn')).toBeUndefined();
    expect(iniValue('[a]\nx = 1 \nx=2\n[b]\nx=3', 'a', 'x')).toBe('2');
    expect(iniValue('x=1\n', 'a', 'x')).toBeUndefined();
    expect(iniValue('[a]\n# x=1\n', 'a', 'x')).toBeUndefined();
  });
});

describe('instanceEdits', () => {
  const base = { dir: '/tmp/b', proxyPort: 20001, portOffset: 12000, logLevel: 2 };

  it('raised limits remove message_rate and message_hwm; shipped keeps them', () => {
    const raised = editIni(SHIPPED, instanceEdits({ ...base, target: 'pushpin', pushpinLimits: 'raised' }));
    expect(raised).not.toContain('message_rate');
    const shipped = editIni(SHIPPED, instanceEdits({ ...base, target: 'pushpin', pushpinLimits: 'shipped' }));
    expect(shipped).toContain('message_rate=2500');
    expect(shipped).toContain('logdir=/tmp/b/log');
    expect(shipped).toContain('http_port=127.0.0.1:20001');
    expect(shipped).toContain('port_offset=12000');
  });

  it('Thumbtack gets no logdir and its workers key only when asked', () => {
    const plain = editIni(SHIPPED, instanceEdits({ ...base, target: 'thumbtack', pushpinLimits: 'raised' }));
    expect(plain).not.toContain('logdir');
    expect(plain).not.toContain('workers');
    const two = editIni(SHIPPED, instanceEdits({ ...base, target: 'thumbtack', pushpinLimits: 'raised', workers: 2 }));
    expect(two).toMatch(/\[proxy\][^[]*workers=2/);
    expect(two).not.toContain('worker_accept');
    const kernel = editIni(SHIPPED, instanceEdits({ ...base, target: 'thumbtack', pushpinLimits: 'raised', workers: 2, workerAccept: 'kernel' }));
    expect(kernel).toMatch(/\[proxy\][^[]*worker_accept=kernel/);
    expect(editIni(SHIPPED, instanceEdits({ ...base, target: 'pushpin', pushpinLimits: 'raised', workerAccept: 'kernel' }))).not.toContain('worker_accept');
  });

  it('raises client_maxconn to N + 1000 for both targets only when N exceeds the shipped value', () => {
    for (const target of ['thumbtack', 'pushpin'] as const) {
      const at = (connections?: number, shippedMaxconn?: number): string =>
        editIni(SHIPPED, instanceEdits({ ...base, target, pushpinLimits: 'raised', connections, shippedMaxconn }));
      expect(at()).toContain('client_maxconn=50000');
      expect(at(50_000)).toContain('client_maxconn=50000');
      expect(at(50_001)).toMatch(/\[runner\][^[]*client_maxconn=51001/);
      expect(at(50_001)).not.toContain('client_maxconn=50000');
      expect(at(120_000)).toContain('client_maxconn=121000');
      expect(at(30_000, 20_000)).toContain('client_maxconn=31000');
    }
  });

  it('routes and derived ports', () => {
    expect(routesFile(8080)).toBe('* 127.0.0.1:8080\n');
    expect(routesFile(8080, false)).toBe('* 127.0.0.1:8080\n');
    expect(routesFile(8080, true)).toBe('* 127.0.0.1:8080,over_http\n');
    expect(offsetPorts(100)).toEqual([5660, 5661, 5662, 5663]);
  });
});

describe('split', () => {
  it('shares a total evenly', () => {
    expect(split(10, 3)).toEqual([4, 3, 3]);
    expect(split(2, 4)).toEqual([1, 1, 0, 0]);
    expect(split(0, 2)).toEqual([0, 0]);
  });
});

import { snmpTcpActiveOpens, statusCatches } from '../../../tools/bench/proc-stats';

/** /proc/<pid>/status of a Node process with a SIGUSR2 handler (bit 11 of SigCgt). */
const WITH = 'Name:\tnode\nState:\tS (sleeping)\nSigBlk:\t0000000000000000\nSigIgn:\t0000000001001000\nSigCgt:\t0000000100004e02\nCapInh:\t0000000000000000\n';
/** The same without it (plain `node`: SIGINT? no; SIGUSR1, SIGPIPE, SIGTERM… but not SIGUSR2). */
const WITHOUT = WITH.replace('SigCgt:\t0000000100004e02', 'SigCgt:\t0000000100004602');

describe('statusCatches', () => {
  it('reads bit signo-1 of SigCgt', () => {
    expect(statusCatches(WITH, 12)).toBe(true);
    expect(statusCatches(WITHOUT, 12)).toBe(false);
    expect(statusCatches(WITHOUT, 10)).toBe(true); // SIGUSR1 (0x200), the inspector's
    expect(statusCatches(WITHOUT, 2)).toBe(true); // 0x2: SIGINT
    expect(statusCatches(WITHOUT, 1)).toBe(false);
    expect(statusCatches(WITHOUT, 33)).toBe(true); // bit 32, a real-time signal
  });

  it('does not mistake SigIgn or SigBlk for SigCgt', () => {
    expect(statusCatches('SigIgn:\tffffffffffffffff\nSigBlk:\tffffffffffffffff\n', 12)).toBe(false);
  });

  it('is false for a missing or malformed line and for signal numbers out of range', () => {
    expect(statusCatches('', 12)).toBe(false);
    expect(statusCatches('SigCgt:\tzzzz\n', 12)).toBe(false);
    expect(statusCatches(WITH, 0)).toBe(false);
    expect(statusCatches(WITH, 65)).toBe(false);
    expect(statusCatches(WITH, 1.5)).toBe(false);
    expect(statusCatches('SigCgt:\tffffffffffffffff', 64)).toBe(true);
  });
});

describe('snmpTcpActiveOpens', () => {
  const snmp = [
    'Ip: Forwarding DefaultTTL InReceives',
    'Ip: 1 64 123',
    'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails',
    'Tcp: 1 200 120000 -1 48213 47901 12',
    'Udp: InDatagrams NoPorts',
    'Udp: 5 0',
  ].join('\n');

  it('reads ActiveOpens from the Tcp lines', () => {
    expect(snmpTcpActiveOpens(snmp)).toBe(48213);
  });

  it('is undefined without the Tcp lines, the field, or a count', () => {
    expect(snmpTcpActiveOpens('Ip: Forwarding\nIp: 1\n')).toBeUndefined();
    expect(snmpTcpActiveOpens(snmp.replace('ActiveOpens', 'Other'))).toBeUndefined();
    expect(snmpTcpActiveOpens(snmp.replace('48213', 'x'))).toBeUndefined();
    expect(snmpTcpActiveOpens(snmp.replace(' 48213', ''))).toBeUndefined();
  });
});

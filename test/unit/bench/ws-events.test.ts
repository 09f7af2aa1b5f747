import { backendReply, channelOfPath, decodeEvents, encodeEvents } from '../../../tools/bench/ws-events';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('encodeEvents / decodeEvents', () => {
  it('writes the spec examples, lengths in lowercase hex', () => {
    expect(encodeEvents([{ type: 'OPEN' }]).toString('latin1')).toBe('OPEN\r\n');
    expect(encodeEvents([{ type: 'TEXT', content: b('hello') }]).toString('latin1')).toBe('TEXT 5\r\nhello\r\n');
    expect(encodeEvents([{ type: 'CLOSE', content: Buffer.concat([Buffer.from([0x0f, 0xa2]), b('client bye')]) }]).toString('latin1')).toBe(
      'CLOSE c\r\n\x0f\xa2client bye\r\n',
    );
    expect(encodeEvents([]).length).toBe(0);
  });

  it('reads back what it writes, content with CRLF inside and either hex case', () => {
    const events = [{ type: 'OPEN' }, { type: 'TEXT', content: b('a\r\nb') }, { type: 'BINARY', content: Buffer.from([0, 1, 2]) }, { type: 'DISCONNECT' }];
    const decoded = decodeEvents(encodeEvents(events));
    expect(decoded.ok && decoded.value).toEqual(events);
    const upper = decodeEvents(b('TEXT A\r\n0123456789\r\n'));
    expect(upper.ok && upper.value[0]?.content?.toString()).toBe('0123456789');
    const empty = decodeEvents(Buffer.alloc(0));
    expect(empty.ok && empty.value).toEqual([]);
  });

  it('fails on malformed bodies', () => {
    for (const bad of ['OPEN', 'TEXT 5\r\nhell\r\n', 'TEXT 5\r\nhelloXY', 'TEXT zz\r\nhello\r\n', 'text 1\r\na\r\n', 'TEXT  1\r\na\r\n', `${'X'.repeat(70)}\r\n`]) {
      const r = decodeEvents(b(bad));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('BENCH_WS_EVENTS');
    }
  });
});

describe('channelOfPath', () => {
  it('takes the channel after /ws/, without the query, URL-decoded', () => {
    expect(channelOfPath('/ws/w1')).toBe('w1');
    expect(channelOfPath('/ws/w%201?x=1')).toBe('w 1');
    expect(channelOfPath('/ws/')).toBeUndefined();
    expect(channelOfPath('/stream/w1')).toBeUndefined();
    expect(channelOfPath('/ws/a/b')).toBeUndefined();
    expect(channelOfPath('/ws/%E0%A4%A')).toBeUndefined();
  });
});

describe('backendReply', () => {
  it('accepts OPEN in GRIP mode and subscribes to the channel of the path (the spec example bytes)', () => {
    const r = backendReply('/ws/w1', b('OPEN\r\n'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.grip).toBe(true);
    expect(r.value.body.toString('latin1')).toBe('OPEN\r\nTEXT 25\r\nc:{"type":"subscribe","channel":"w1"}\r\n');
  });

  it('echoes CLOSE and answers other events with an empty body', () => {
    const close = backendReply('/ws/w1', b('CLOSE 2\r\n\x03\xe8\r\n'));
    expect(close.ok && close.value.body.toString('latin1')).toBe('CLOSE 2\r\n\x03\xe8\r\n');
    expect(close.ok && close.value.grip).toBe(false);
    for (const body of ['DISCONNECT\r\n', 'TEXT 2\r\nhi\r\n', '']) {
      const r = backendReply('/ws/w1', b(body));
      expect(r.ok && r.value.body.length).toBe(0);
    }
  });

  it('refuses an OPEN without a channel and a malformed body', () => {
    const noChannel = backendReply('/other', b('OPEN\r\n'));
    expect(noChannel.ok).toBe(false);
    if (!noChannel.ok) expect(noChannel.error.code).toBe('BENCH_WS_PATH');
    const bad = backendReply('/ws/w1', b('OPEN'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('BENCH_WS_EVENTS');
  });
});

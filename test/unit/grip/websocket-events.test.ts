import {
  decodeClosePayload,
  decodeWsEvents,
  encodeClosePayload,
  encodeWsEvents,
  WS_EVENTS_MALFORMED,
  type WsEvent,
} from '../../../src/grip/websocket-events';

function decode(body: string | Buffer): WsEvent[] {
  const r = decodeWsEvents(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

function error(body: string): string {
  const r = decodeWsEvents(Buffer.from(body, 'latin1'));
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(body)}`);
  expect(r.error.code).toBe(WS_EVENTS_MALFORMED);
  return r.error.message;
}

const text = (e: WsEvent): [string, string | undefined] => [e.type, e.content?.toString('latin1')];

describe('encodeWsEvents', () => {
  it('writes bare events and events with lowercase hex lengths (spec §4.2 examples)', () => {
    const body = encodeWsEvents([
      { type: 'OPEN' },
      { type: 'TEXT', content: Buffer.from('hello') },
      { type: 'BINARY', content: Buffer.from([0, 1, 2]) },
      { type: 'CLOSE', content: encodeClosePayload(4002, 'client bye') },
      { type: 'DISCONNECT' },
    ]);
    expect(body.toString('latin1')).toBe(
      'OPEN\r\nTEXT 5\r\nhello\r\nBINARY 3\r\n\x00\x01\x02\r\nCLOSE c\r\n\x0f\xa2client bye\r\nDISCONNECT\r\n',
    );
  });

  it('keeps an empty content as a zero length, distinct from no content', () => {
    expect(encodeWsEvents([{ type: 'TEXT', content: Buffer.alloc(0) }, { type: 'PING' }]).toString()).toBe('TEXT 0\r\n\r\nPING\r\n');
  });

  it('writes lengths above 15 in lowercase hex', () => {
    const body = encodeWsEvents([{ type: 'TEXT', content: Buffer.alloc(255, 0x61) }]);
    expect(body.subarray(0, 10).toString()).toBe('TEXT ff\r\na');
  });
});

describe('decodeWsEvents', () => {
  it('reads what the encoder writes', () => {
    const events = [
      { type: 'OPEN' as const },
      { type: 'TEXT' as const, content: Buffer.from('c:{"type":"subscribe","channel":"w1"}') },
      { type: 'BINARY' as const, content: Buffer.from([0xff, 0x0d, 0x0a, 0x00]) },
      { type: 'PONG' as const },
    ];
    expect(decode(encodeWsEvents(events)).map(text)).toEqual(events.map((e) => [e.type, e.content?.toString('latin1')]));
  });

  it('accepts an empty body as zero events', () => {
    expect(decode('')).toEqual([]);
  });

  it('accepts uppercase hex and content holding CRLF', () => {
    expect(decode('TEXT A\r\n0123\r\n6789\r\n').map(text)).toEqual([['TEXT', '0123\r\n6789']]);
  });

  it('keeps unknown event types (receivers ignore them)', () => {
    expect(decode('FOO\r\nTEXT 1\r\nx\r\n').map(text)).toEqual([
      ['FOO', undefined],
      ['TEXT', 'x'],
    ]);
  });

  it('rejects a missing CRLF after the event line', () => {
    expect(error('OPEN')).toMatch(/event 1: missing CRLF after the event line/);
    expect(error('OPEN\r\nTEXT 5')).toMatch(/event 2: missing CRLF/);
  });

  it('rejects a bad hex length', () => {
    expect(error('TEXT zz\r\nab\r\n')).toMatch(/invalid hex length "zz"/);
    expect(error('TEXT \r\n\r\n')).toMatch(/invalid hex length ""/);
    expect(error('TEXT -1\r\nab\r\n')).toMatch(/invalid hex length/);
    expect(error('TEXT 0x2\r\nab\r\n')).toMatch(/invalid hex length/);
    expect(error('TEXT 123456789\r\nab\r\n')).toMatch(/invalid hex length/);
  });

  it('rejects content running past the end (where Pushpin takes what is there)', () => {
    expect(error('TEXT 5\r\nhel')).toMatch(/content of 5 bytes runs past the end of the body \(3 left\)/);
  });

  it('rejects a missing CRLF after the content (where Pushpin does not check)', () => {
    expect(error('TEXT 5\r\nhello')).toMatch(/missing CRLF after the content/);
    expect(error('TEXT 5\r\nhelloXX')).toMatch(/missing CRLF after the content/);
    expect(error('TEXT 1\r\nab\r\n')).toMatch(/missing CRLF after the content/);
  });

  it('rejects empty or odd type names and overlong event lines', () => {
    expect(error('\r\n')).toMatch(/invalid event type ""/);
    expect(error('TE:XT\r\n')).toMatch(/invalid event type/);
    expect(error(`${'A'.repeat(70)}\r\n`)).toMatch(/longer than 64 bytes/);
    expect(error('A'.repeat(1000))).toMatch(/longer than 64 bytes/);
  });

  it('names the failing event', () => {
    expect(error('OPEN\r\nTEXT 1\r\na\r\nBINARY 2\r\nx')).toMatch(/^websocket-events body, event 3:/);
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = Buffer.from('TEXT OPEN 0123456789abcdef\r\n\r\n');
    for (let i = 0; i < 2000; i++) {
      const len = rand() % 40;
      const body = Buffer.alloc(len);
      for (let j = 0; j < len; j++) body[j] = alphabet[rand() % alphabet.length] as number;
      expect(() => decodeWsEvents(body)).not.toThrow();
    }
  });
});

describe('close payloads', () => {
  it('encodes the code big-endian followed by the UTF-8 reason', () => {
    expect([...encodeClosePayload(1000, '')]).toEqual([0x03, 0xe8]);
    expect(encodeClosePayload(4002, 'bye é').toString('latin1')).toBe('\x0f\xa2bye \xc3\xa9');
  });

  it('decodes a code and reason, or nothing when under 2 bytes', () => {
    expect(decodeClosePayload(Buffer.from('\x0f\xa2client bye', 'latin1'))).toEqual({ code: 4002, reason: 'client bye' });
    expect(decodeClosePayload(Buffer.from([0x03, 0xe8]))).toEqual({ code: 1000, reason: '' });
    expect(decodeClosePayload(Buffer.from([0x03]))).toEqual({ reason: '' });
    expect(decodeClosePayload(undefined)).toEqual({ reason: '' });
  });
});

import {
  activityMessage,
  connGoneMessage,
  connMessage,
  countsMessage,
  decodeStatsMessage,
  encodeStatsMessage,
  messageMessage,
  reportMessage,
  subGoneMessage,
  subMessage,
  TRAFFIC_FIELDS,
} from '../../../src/stats/stats-message';
import { formatJson, formatReadable, ReportTally } from '../../../src/stats/stats-print';

const FROM = 'pushpin-handler_15337';
/** The exact frame Pushpin 1.36 sent (spec/stats.md §1). */
const PUSHPIN_CONN =
  'conn T109:3:ttl,3:120#4:from,21:pushpin-handler_15337,12:peer-address,9:127.0.0.1,4:type,4:http,2:id,14:condure:0-0-14,}';

function decoded(frame: Buffer | string): { type: string; fields: Record<string, unknown> } {
  const r = decodeStatsMessage(Buffer.isBuffer(frame) ? frame : Buffer.from(frame));
  if (!r.ok) throw r.error;
  return r.value;
}

describe('stats messages (stats.md §1-2)', () => {
  it('encodes a conn like Pushpin: same fields, same types, same length', () => {
    const msg = connMessage(FROM, { id: 'condure:0-0-14', type: 'http', peerAddress: '127.0.0.1', ssl: false }, 120);
    const frame = encodeStatsMessage(msg, 'tnetstring');
    expect(frame.toString()).toBe(
      'conn T109:2:id,14:condure:0-0-14,4:type,4:http,12:peer-address,9:127.0.0.1,3:ttl,3:120#4:from,21:pushpin-handler_15337,}',
    );
    expect(decoded(frame)).toEqual(decoded(PUSHPIN_CONN));
  });

  it('encodes JSON with a J marker and decodes both encodings to the same fields', () => {
    const msg = connMessage(FROM, { id: 'x', type: 'ws', peerAddress: '10.0.0.1', ssl: true, route: 'r1' }, 120);
    const json = encodeStatsMessage(msg, 'json');
    expect(json.toString()).toBe('conn J{"id":"x","type":"ws","peer-address":"10.0.0.1","ssl":true,"ttl":120,"from":"pushpin-handler_15337","route":"r1"}');
    expect(decoded(json)).toEqual(decoded(encodeStatsMessage(msg, 'tnetstring')));
  });

  it('builds each type with Pushpin field names', () => {
    expect(connGoneMessage(FROM, 'c1').fields).toEqual({ id: 'c1', unavailable: true, from: FROM });
    expect(subMessage(FROM, 'stream', 'news', 60, 3).fields).toEqual({ mode: 'stream', channel: 'news', ttl: 60, subscribers: 3, from: FROM });
    expect(subGoneMessage(FROM, 'response', 'news').fields).toEqual({ mode: 'response', channel: 'news', unavailable: true, from: FROM });
    expect(messageMessage(FROM, 's1', 'st1', 'http-stream', 1).fields).toEqual({
      channel: 's1',
      'item-id': 'st1',
      count: 1,
      transport: 'http-stream',
      from: FROM,
    });
    expect(messageMessage(FROM, 's1', undefined, 'ws-message', 2, 6).fields).toEqual({
      channel: 's1',
      count: 2,
      blocks: 6,
      transport: 'ws-message',
      from: FROM,
    });
    expect(activityMessage(FROM, undefined, 4).fields).toEqual({ count: 4, from: FROM });
    expect(activityMessage(FROM, 'api', 1).fields).toEqual({ count: 1, from: FROM, route: 'api' });
    expect(countsMessage(FROM, 7).fields).toEqual({ 'requests-received': 7, from: FROM });
  });

  it('builds a 1.36 report with every traffic counter', () => {
    const r = reportMessage(FROM, { connections: 3, minutes: 3, received: 1, sent: 1, httpResponseSent: 0, durationMs: 10000 });
    expect(r.type).toBe('report');
    expect(r.fields).toMatchObject({ connections: 3, minutes: 3, received: 1, sent: 1, 'http-response-sent': 0, duration: 10000, from: FROM });
    for (const name of TRAFFIC_FIELDS) expect(r.fields[name]).toBe(0);
    expect(r.fields['blocks-sent']).toBeUndefined();
    const withBlocks = reportMessage(FROM, { connections: 0, minutes: 0, received: 2, sent: 2, httpResponseSent: 0, durationMs: 1, blocksReceived: 4, blocksSent: 5 });
    expect(withBlocks.fields).toMatchObject({ 'blocks-received': 4, 'blocks-sent': 5 });
  });

  it('rejects frames that are not "<type> T|J<object>"', () => {
    const bad = ['', 'conn', ' T0:}', 'conn X{}', 'conn T4:abcd,', 'conn J{bad', 'conn J[1]', 'conn T3:1:a}'];
    for (const frame of bad) {
      const r = decodeStatsMessage(Buffer.from(frame));
      expect([frame, r.ok]).toEqual([frame, false]);
    }
  });
});

describe('thumbtack-stats output', () => {
  it('prints one readable or JSON line per message', () => {
    const msg = decoded(PUSHPIN_CONN);
    expect(formatReadable(msg)).toBe(`conn ${JSON.stringify(msg.fields)}`);
    expect(JSON.parse(formatJson(msg))).toEqual({ type: 'conn', fields: msg.fields });
  });

  it('report mode prints the period and the running totals (ops = minutes + received + sent - http-response-sent)', () => {
    const tally = new ReportTally();
    expect(tally.add({ connections: 3, minutes: 3, received: 1, sent: 1, 'http-response-sent': 0, duration: 10000, from: FROM })).toBe(
      `report connections=3 minutes=3 received=1 sent=1 http-response-sent=0 ops=5 duration=10.0s from=${FROM} | ` +
        'totals reports=1 peak-connections=3 minutes=3 received=1 sent=1 ops=5',
    );
    expect(tally.add({ connections: 1, minutes: 2, received: 4, sent: 4, 'http-response-sent': 4, duration: 'x' })).toBe(
      'report connections=1 minutes=2 received=4 sent=4 http-response-sent=4 ops=6 duration=0.0s | ' +
        'totals reports=2 peak-connections=3 minutes=5 received=5 sent=5 ops=11',
    );
  });
});

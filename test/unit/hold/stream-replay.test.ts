import { DropLog } from '../../../src/hold/drop-log';
import { clientCursors, streamResetEvent } from '../../../src/hold/stream-replay';
import { Logger } from '../../../src/core/logger';

describe('client cursors', () => {
  it('reads Last-Event-ID and every Grip-Last element', () => {
    const c = clientCursors([
      ['Last-Event-ID', ' 41 '],
      ['Grip-Last', 'news; last-id=7, sport; last-id="a,b"'],
      ['grip-last', 'weather; last-id=3'],
      ['Grip-Last', 'no-id-here'],
    ]);
    expect(c?.lastEventId).toBe('41');
    expect([...(c?.byName ?? [])]).toEqual([
      ['news', '7'],
      ['sport', 'a,b'],
      ['weather', '3'],
    ]);
  });

  it('returns undefined without a usable cursor (empty Last-Event-ID included)', () => {
    expect(clientCursors([['Accept', 'text/event-stream']])).toBeUndefined();
    expect(clientCursors([['Last-Event-ID', '']])).toBeUndefined();
    expect(clientCursors([['Grip-Last', 'news']])).toBeUndefined();
  });

  it('decodes UTF-8 header bytes', () => {
    const raw = Buffer.from('é1', 'utf8').toString('latin1');
    expect(clientCursors([['Last-Event-ID', raw]])?.lastEventId).toBe('é1');
  });
});

describe('stream-reset event', () => {
  it('is one SSE event with JSON data naming the channels and positions', () => {
    const ev = streamResetEvent([{ name: 'news', prevId: '41' }, { name: 'sport' }], 'history-gap').toString();
    expect(ev).toBe('event: stream-reset\ndata: {"reason":"history-gap","channels":[{"channel":"news","last-id":"41"},{"channel":"sport"}]}\n\n');
  });
});

describe('DropLog', () => {
  it('logs the first drops of each second one by one, then one summary line', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new DropLog(new Logger(1, { write: (l) => lines.push(l) }, {}, 'text'), 2, () => now);
    for (let i = 0; i < 5; i++) log.drop('dropped', { connection: `c${i}` });
    expect(lines).toHaveLength(2);
    now = 1000;
    log.drop('dropped', { connection: 'c5' });
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('count=3');
    expect(lines[3]).toContain('connection=c5');
  });
});

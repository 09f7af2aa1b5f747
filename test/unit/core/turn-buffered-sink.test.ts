import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '../../../src/core/logger';
import { TurnBufferedSink } from '../../../src/core/turn-buffered-sink';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TurnBufferedSink', () => {
  it('writes the lines of one turn with one call at its end, in order', async () => {
    const writes: string[] = [];
    const sink = new TurnBufferedSink({ write: (text) => void writes.push(text) });
    sink.write('one\n');
    sink.write('two\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['one\ntwo\n']);
    sink.write('three\n');
    await nextTurn();
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('does not wait for the end of the turn once 64 KiB are gathered', async () => {
    const writes: string[] = [];
    const sink = new TurnBufferedSink({ write: (text) => void writes.push(text) });
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 64; i++) sink.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(64 * 1024);
    sink.write('after\n');
    await nextTurn();
    expect(writes).toEqual([line.repeat(64), 'after\n']);
  });

  it('carries pino lines with an ISO time (made once per millisecond) through a Logger', async () => {
    const writes: string[] = [];
    const logger = new Logger(2, new TurnBufferedSink({ write: (text) => void writes.push(text) }));
    logger.info('first', { n: 1 });
    logger.info('second', { n: 2 });
    await nextTurn();
    expect(writes).toHaveLength(1);
    const lines = (writes[0] as string).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.n])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    for (const l of lines) expect(new Date(String(l.time)).toISOString()).toBe(l.time);
  });

  it('writes what waits when the process exits within the turn', () => {
    const script = `
      const { TurnBufferedSink } = require(${JSON.stringify(join(__dirname, '../../../dist/src/core/turn-buffered-sink.js'))});
      const sink = new TurnBufferedSink(process.stdout);
      sink.write('last words\\n');
      process.exit(3);
    `;
    let out = '';
    try {
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { status: number; stdout: string };
      expect(e.status).toBe(3);
      out = e.stdout;
    }
    expect(out).toBe('last words\n');
  });
});

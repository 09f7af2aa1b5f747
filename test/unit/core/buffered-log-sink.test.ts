import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Logger } from '../../../src/core/logger';
import { BufferedLogSink, LOG_FLUSH_MS } from '../../../src/core/buffered-log-sink';

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('BufferedLogSink', () => {
  it('writes the lines gathered over several turns with one call once its flush time is up, in order', async () => {
    const writes: string[] = [];
    const sink = new BufferedLogSink({ write: (text) => void writes.push(text) }, 30);
    sink.write('one\n');
    await nextTurn();
    sink.write('two\n');
    await nextTurn();
    expect(writes).toEqual([]);
    await sleep(60);
    expect(writes).toEqual(['one\ntwo\n']);
    sink.write('three\n');
    await sleep(60);
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
  });

  it('waits at most LOG_FLUSH_MS by default', async () => {
    const writes: string[] = [];
    const sink = new BufferedLogSink({ write: (text) => void writes.push(text) });
    sink.write('soon\n');
    expect(writes).toEqual([]);
    await sleep(LOG_FLUSH_MS + 40);
    expect(writes).toEqual(['soon\n']);
  });

  it('does not wait once 64 KiB are gathered', async () => {
    const writes: string[] = [];
    const sink = new BufferedLogSink({ write: (text) => void writes.push(text) }, 30);
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 64; i++) sink.write(line);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toHaveLength(64 * 1024);
    sink.write('after\n');
    expect(writes).toHaveLength(1);
    await sleep(60);
    expect(writes).toEqual([line.repeat(64), 'after\n']);
  });

  it('carries pino lines with an ISO time (made once per millisecond) through a Logger', async () => {
    const writes: string[] = [];
    const sink = new BufferedLogSink({ write: (text) => void writes.push(text) });
    const logger = new Logger(2, sink);
    logger.info('first', { n: 1 });
    logger.info('second', { n: 2 });
    sink.flush();
    expect(writes).toHaveLength(1);
    const lines = (writes[0] as string).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.n])).toEqual([
      ['first', 1],
      ['second', 2],
    ]);
    for (const l of lines) expect(new Date(String(l.time)).toISOString()).toBe(l.time);
  });

  const sinkModule = JSON.stringify(join(__dirname, '../../../dist/src/core/buffered-log-sink.js'));

  it('writes what waits when the process exits before its flush time', () => {
    const script = `
      const { BufferedLogSink } = require(${sinkModule});
      const sink = new BufferedLogSink(process.stdout, 60000);
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

  it('writes what waits when an uncaught error ends the process', () => {
    const script = `
      const { BufferedLogSink } = require(${sinkModule});
      const sink = new BufferedLogSink(process.stdout, 60000);
      sink.write('before the crash\\n');
      setImmediate(() => { throw new Error('boom'); });
    `;
    let caught: { status: number; stdout: string; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      caught = err as { status: number; stdout: string; stderr: string };
    }
    expect(caught?.status).toBe(1);
    expect(caught?.stderr).toContain('Error: boom');
    expect(caught?.stdout).toBe('before the crash\n');
  });

  it('does not keep the process alive, and still writes what waits when it ends', () => {
    const script = `
      const { BufferedLogSink } = require(${sinkModule});
      const sink = new BufferedLogSink(process.stdout, 60000);
      sink.write('on the way out\\n');
    `;
    // A timer that held the process would run into execFileSync's timeout (an error, so a failure).
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
    expect(out).toBe('on the way out\n');
  });
});

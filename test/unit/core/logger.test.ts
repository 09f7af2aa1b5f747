import { Logger } from '../../../src/core/logger';

function capture(level: 0 | 1 | 2 | 3, format: 'json' | 'text' = 'json'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger(level, { write: (l) => void lines.push(l) }, {}, format), lines };
}

describe('Logger', () => {
  it('writes one JSON object per line with level, time, message and fields', () => {
    const { logger, lines } = capture(2);
    logger.info('routes loaded', { entries: 3 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'routes loaded', entries: 3 });
    expect(typeof entry.time).toBe('string');
  });

  it('drops messages above its level and says so through enabled()', () => {
    const { logger, lines } = capture(1);
    logger.info('not shown');
    logger.debug('not shown');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
    expect(logger.enabled(2)).toBe(false);
    expect(logger.enabled(1)).toBe(true);
  });

  it('adds a child logger fields to every line', () => {
    const { logger, lines } = capture(3);
    logger.child({ connection: 'c1', route: 'api' }).debug('held');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: 'held', connection: 'c1', route: 'api', level: 'debug' });
  });

  it('redacts secrets', () => {
    const { logger, lines } = capture(2);
    logger.info('request', { authorization: 'Basic dXNlcjpwYXNz', headers: { 'grip-sig': 'eyJ...', authorization: 'Bearer x', accept: '*/*' }, sigKey: 'changeme' });
    const text = lines[0] as string;
    expect(text).not.toContain('dXNlcjpwYXNz');
    expect(text).not.toContain('eyJ...');
    expect(text).not.toContain('Bearer x');
    expect(text).not.toContain('changeme');
    expect(text).toContain('*/*');
  });

  it('formats text lines for terminals', () => {
    const { logger, lines } = capture(2, 'text');
    logger.warn('slow client closed', { queuedBytes: 2048, route: 'api' });
    expect(lines[0]).toBe('WARN slow client closed queuedBytes=2048 route=api\n');
  });

  describe('infoRecord (the access log\'s direct line)', () => {
    const fields = { route: 'api "v2"', status: 200, held: 'stream', durationMs: 3, completed: false };
    const msg = 'GET http://example.com/a?b="c"\\d\u0001 -> 127.0.0.1:8000 accept';
    /** The time field differs between two lines written a millisecond apart: compare without it. */
    const withoutTime = (line: string): string => line.replace(/,"time":"[^"]*"/, '');

    it('writes the line pino writes for the same record, fixed fields of the logger and its children included', () => {
      for (const make of [(l: Logger) => l, (l: Logger) => l.child({ worker: 2 }).child({ component: 'proxy' })]) {
        const lines: string[] = [];
        const logger = make(new Logger(2, { write: (l) => void lines.push(l) }, { worker: 1 }));
        logger.info(msg, fields);
        logger.infoRecord(msg, fields);
        expect(lines).toHaveLength(2);
        expect(withoutTime(lines[1] as string)).toBe(withoutTime(lines[0] as string));
        expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 'info', msg, ...fields });
      }
    });

    it('formats text lines for terminals as pino\'s do', () => {
      const { logger, lines } = capture(2, 'text');
      logger.info('GET / -> x code=200', { status: 200, held: false });
      logger.infoRecord('GET / -> x code=200', { status: 200, held: false });
      expect(lines[1]).toBe(lines[0]);
      expect(lines[1]).toBe('INFO GET / -> x code=200 status=200 held=false\n');
    });

    it('writes nothing below the info level', () => {
      const { logger, lines } = capture(1);
      logger.infoRecord('not shown', { status: 200 });
      expect(lines).toHaveLength(0);
    });

    it('leaves a logger whose fixed fields pino would redact to pino', () => {
      const lines: string[] = [];
      const logger = new Logger(2, { write: (l) => void lines.push(l) }).child({ token: 'secret-token' });
      logger.infoRecord('request', { status: 200 });
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toContain('secret-token');
      expect(JSON.parse(lines[0] as string)).toMatchObject({ msg: 'request', status: 200 });
    });
  });
});

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
});

/**
 * A small structured logger: one JSON object per line (or `LEVEL msg key=value` text when asked), levels as
 * Pushpin numbers them (0 error, 1 warning, 2 info, 3 debug). Children add fixed fields.
 */
export type LogLevel = 0 | 1 | 2 | 3;
export type LogFields = Record<string, unknown>;

const LEVEL_NAMES = ['error', 'warn', 'info', 'debug'] as const;

export interface LogSink {
  write(line: string): void;
}

export class Logger {
  constructor(
    readonly level: LogLevel,
    private readonly sink: LogSink = process.stderr,
    private readonly fields: LogFields = {},
    private readonly format: 'json' | 'text' = 'json',
  ) {}

  child(fields: LogFields): Logger {
    return new Logger(this.level, this.sink, { ...this.fields, ...fields }, this.format);
  }

  error(msg: string, fields?: LogFields): void {
    this.log(0, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log(1, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log(2, msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.log(3, msg, fields);
  }

  enabled(level: LogLevel): boolean {
    return level <= this.level;
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (level > this.level) return;
    const all = { ...this.fields, ...fields };
    if (this.format === 'text') {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      this.sink.write(`${LEVEL_NAMES[level].toUpperCase()} ${msg}${extra ? ' ' + extra : ''}\n`);
      return;
    }
    this.sink.write(JSON.stringify({ time: new Date().toISOString(), level: LEVEL_NAMES[level], msg, ...all }) + '\n');
  }
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger = new Logger(0, { write: () => undefined });

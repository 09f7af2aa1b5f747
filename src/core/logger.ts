import pino from 'pino';

/**
 * Structured logging on pino: one JSON object per line (or `LEVEL msg key=value` text when stderr is a
 * terminal), levels as Pushpin numbers them (0 error, 1 warning, 2 info, 3 debug). Children add fixed
 * fields (a connection id, a route); secrets in well-known fields are redacted.
 */
export type LogLevel = 0 | 1 | 2 | 3;
export type LogFields = Record<string, unknown>;

const PINO_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Fields that may carry secrets; pino replaces their values before anything is written. */
export const REDACTED_PATHS = [
  'authorization',
  'password',
  'sigKey',
  'upstreamKey',
  'key',
  'token',
  'headers.authorization',
  'headers["grip-sig"]',
  'headers.cookie',
];

export interface LogSink {
  write(line: string): void;
}

/** Formats pino's JSON lines as `LEVEL msg key=value ...` for people at a terminal (and tests that read text). */
function textSink(sink: LogSink): LogSink {
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        sink.write(line);
        return;
      }
      const { level, msg, time: _time, ...rest } = entry;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      sink.write(`${String(level).toUpperCase()} ${String(msg)}${extra ? ' ' + extra : ''}\n`);
    },
  };
}

let stampMs = -1;
let stamp = '';

/** pino's `isoTime`, made once per millisecond (a busy proxy logs many lines per millisecond). */
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

export class Logger {
  private readonly pino: pino.Logger;

  constructor(
    readonly level: LogLevel,
    sink: LogSink = process.stderr,
    fields: LogFields = {},
    format: 'json' | 'text' = 'json',
    parent?: pino.Logger,
  ) {
    this.pino =
      parent?.child(fields) ??
      pino(
        {
          level: PINO_LEVELS[level],
          base: fields,
          messageKey: 'msg',
          timestamp: isoTimeOncePerMs,
          formatters: { level: (label) => ({ level: label }) },
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        },
        format === 'text' ? textSink(sink) : sink,
      );
  }

  child(fields: LogFields): Logger {
    return new Logger(this.level, undefined, fields, 'json', this.pino);
  }

  error(msg: string, fields?: LogFields): void {
    if (fields) this.pino.error(fields, msg);
    else this.pino.error(msg);
  }
  warn(msg: string, fields?: LogFields): void {
    if (fields) this.pino.warn(fields, msg);
    else this.pino.warn(msg);
  }
  info(msg: string, fields?: LogFields): void {
    if (fields) this.pino.info(fields, msg);
    else this.pino.info(msg);
  }
  debug(msg: string, fields?: LogFields): void {
    if (fields) this.pino.debug(fields, msg);
    else this.pino.debug(msg);
  }

  /** Whether a message at this level would be written (to skip building costly fields). */
  enabled(level: LogLevel): boolean {
    return level <= this.level;
  }
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger = new Logger(0, { write: () => undefined });

import type { LogSink } from './logger';

/** Bytes gathered before they are written without waiting for the flush timer. */
const MAX_PENDING_CHARS = 64 * 1024;
/** How long a logged line may wait to be written (ms). */
export const LOG_FLUSH_MS = 10;

/**
 * A log sink that gathers lines and writes them with one call at most LOG_FLUSH_MS after the first of
 * them. Node writes stderr synchronously when it is a file or a pipe, so an access-log line per request
 * was one system call per request; gathering them for one turn of the event loop was not enough when
 * new connections come one per turn (~6 % of a new held connection's CPU, docs/PERFORMANCE.md). The
 * timer does not keep the process alive, and what waits is written on `exit` (a fatal error's last
 * lines included).
 */
export class BufferedLogSink implements LogSink {
  private lines: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private readonly flushNow = (): void => this.flush();

  constructor(
    private readonly out: LogSink,
    private readonly flushMs = LOG_FLUSH_MS,
  ) {
    process.on('exit', this.flushNow);
  }

  write(line: string): void {
    if (this.timer === undefined) this.timer = setTimeout(this.flushNow, this.flushMs).unref();
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= MAX_PENDING_CHARS) this.flush();
  }

  /** Writes what waits now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    this.chars = 0;
    this.out.write(lines.length === 1 ? (lines[0] as string) : lines.join(''));
  }
}

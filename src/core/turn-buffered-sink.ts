import { flushAtEndOfTurn, type EndOfTurnWriter } from './end-of-turn';
import type { LogSink } from './logger';

/** Bytes gathered before they are written even within one turn. */
const MAX_PENDING_CHARS = 64 * 1024;

/**
 * A log sink that gathers the lines logged in one turn of the event loop and writes them with one call at
 * its end. Node writes stderr synchronously when it is a file or a pipe, so an access-log line per request
 * was one system call per request; under load a turn ends many requests. Lines still leave within the turn
 * that logged them, and what waits is written on `exit` (a fatal error's last lines included).
 */
export class TurnBufferedSink implements LogSink, EndOfTurnWriter {
  private lines: string[] = [];
  private chars = 0;

  constructor(private readonly out: LogSink) {
    process.on('exit', () => this.flushPending());
  }

  write(line: string): void {
    if (this.lines.length === 0) flushAtEndOfTurn(this);
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= MAX_PENDING_CHARS) this.flushPending();
  }

  flushPending(): void {
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    this.chars = 0;
    this.out.write(lines.length === 1 ? (lines[0] as string) : lines.join(''));
  }
}

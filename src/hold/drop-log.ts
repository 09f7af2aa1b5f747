/**
 * Logging of lost deliveries without flooding the log: every drop is counted by the caller; the first
 * `perSecond` drops of each second are logged one by one (with connection id and route), the rest of that
 * second in one summary line. The clock is read once per drop, only when a drop happens.
 */
import type { Logger, LogFields } from '../core/logger';

export class DropLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly perSecond = 20,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs (at warn level) that something was dropped: `what` says why, `fields` name the connection and route. */
  drop(what: string, fields: LogFields): void {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.logger.warn('more deliveries dropped (not logged one by one)', { count: this.suppressed });
      this.windowStart = t;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    if (this.inWindow < this.perSecond) {
      this.inWindow++;
      this.logger.warn(what, fields);
    } else this.suppressed++;
  }
}

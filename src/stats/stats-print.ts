/**
 * How `thumbtack-stats` prints stats messages: one line each, readable (`conn {...}`), as JSON for machines,
 * or, in report mode, the report totals with running sums. Pure.
 */
import type { DecodedStatsMessage } from './stats-message';

/** `<type> <compact JSON of the fields>`, e.g. `conn {"id":"thumbtack:0-1","type":"http",...}`. */
export function formatReadable(msg: DecodedStatsMessage): string {
  return `${msg.type} ${JSON.stringify(msg.fields)}`;
}

/** `{"type":"conn","fields":{...}}`: one JSON object per line. */
export function formatJson(msg: DecodedStatsMessage): string {
  return JSON.stringify({ type: msg.type, fields: msg.fields });
}

function num(fields: Record<string, unknown>, key: string): number {
  const v = fields[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/**
 * Sums `report` messages and formats each as one line: the period's `connections`, `minutes`, `received`,
 * `sent`, `http-response-sent` and `ops` (minutes + received + sent − http-response-sent, the number
 * Pushpin's update checker reports), then the totals since the tool started.
 */
export class ReportTally {
  private reports = 0;
  private peak = 0;
  private minutes = 0;
  private received = 0;
  private sent = 0;
  private httpResponseSent = 0;

  /** Adds one report's fields; returns its line. */
  add(fields: Record<string, unknown>): string {
    const connections = num(fields, 'connections');
    const minutes = num(fields, 'minutes');
    const received = num(fields, 'received');
    const sent = num(fields, 'sent');
    const hrs = num(fields, 'http-response-sent');
    this.reports++;
    this.peak = Math.max(this.peak, connections);
    this.minutes += minutes;
    this.received += received;
    this.sent += sent;
    this.httpResponseSent += hrs;
    const ops = minutes + received + sent - hrs;
    const totalOps = this.minutes + this.received + this.sent - this.httpResponseSent;
    const from = typeof fields.from === 'string' ? ` from=${fields.from}` : '';
    const route = typeof fields.route === 'string' ? ` route=${fields.route}` : '';
    const duration = (num(fields, 'duration') / 1000).toFixed(1);
    return (
      `report connections=${connections} minutes=${minutes} received=${received} sent=${sent} ` +
      `http-response-sent=${hrs} ops=${ops} duration=${duration}s${from}${route} | ` +
      `totals reports=${this.reports} peak-connections=${this.peak} minutes=${this.minutes} ` +
      `received=${this.received} sent=${this.sent} ops=${totalOps}`
    );
  }
}

/**
 * Pure helpers of the soak run (tools/soak.ts): the per-client sequence checker, the SSE event splitter and
 * the item format (`data: <channel> <seq>`). No I/O, no clock.
 */

/** What one observed sequence number meant for a client. */
export type SequenceVerdict = 'first' | 'ok' | 'gap' | 'duplicate';

/**
 * Checks that, from the first item a client received, the sequence numbers on its channel are consecutive.
 * A gap adds the number of skipped items to `missing`; a number at or below the last one is a duplicate
 * (or a reordering) and is not taken as the new last.
 */
export class SequenceChecker {
  /** Last sequence number accepted, `undefined` before the first item. */
  last: number | undefined = undefined;
  /** Items seen, including duplicates. */
  received = 0;
  /** Gap events seen. */
  gaps = 0;
  /** Items skipped by all gaps together. */
  missing = 0;
  /** Items at or below the last accepted number. */
  duplicates = 0;

  /** Records sequence number `seq` (an integer ≥ 0) and says what it meant. */
  observe(seq: number): SequenceVerdict {
    this.received += 1;
    if (this.last === undefined) {
      this.last = seq;
      return 'first';
    }
    if (seq === this.last + 1) {
      this.last = seq;
      return 'ok';
    }
    if (seq <= this.last) {
      this.duplicates += 1;
      return 'duplicate';
    }
    this.gaps += 1;
    this.missing += seq - this.last - 1;
    this.last = seq;
    return 'gap';
  }

  /**
   * Items missing at the end: published up to `finalSeq` on the channel, but the last accepted is lower.
   * 0 before the first item (nothing was promised yet).
   */
  tailMissing(finalSeq: number): number {
    return this.last === undefined ? 0 : Math.max(0, finalSeq - this.last);
  }
}

/** The `http-stream` content of soak item `seq` (≥ 0) on `channel`: one SSE event. */
export function soakItemContent(channel: string, seq: number): string {
  return `data: ${channel} ${seq}\n\n`;
}

/** One soak item as read back from an SSE event. */
export interface SoakItem {
  channel: string;
  seq: number;
}

/** Reads a soak item from one SSE event's text (without the blank line); `undefined` for comments and anything else. */
export function parseSoakEvent(event: string): SoakItem | undefined {
  const m = /^data: (\S+) (\d+)$/.exec(event);
  if (!m || m[1] === undefined || m[2] === undefined) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { channel: m[1], seq } : undefined;
}

/** Splits buffered SSE text into complete events (separated by a blank line) and the incomplete rest. */
export function splitEvents(buffer: string): { events: string[]; rest: string } {
  const parts = buffer.split('\n\n');
  const rest = parts.pop() ?? '';
  return { events: parts.filter((p) => p.length > 0), rest };
}

/** Summary of an RSS series in MB. */
export interface RssSummary {
  first: number;
  last: number;
  max: number;
  /** Last minus first sample of the second half of the series (MB); 0 with fewer than 2 samples. */
  secondHalfGrowth: number;
}

/** Summarises RSS samples (MB, in time order); `undefined` for an empty series. */
export function summariseRss(samplesMb: readonly number[]): RssSummary | undefined {
  const first = samplesMb[0];
  const last = samplesMb[samplesMb.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const half = samplesMb.slice(Math.floor(samplesMb.length / 2));
  const hFirst = half[0] ?? last;
  return { first, last, max: Math.max(...samplesMb), secondHalfGrowth: round1(last - hFirst) };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

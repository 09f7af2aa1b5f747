import type { ServerResponse } from 'node:http';
import type { Logger } from '../core/logger';

/**
 * One log line per client request, like Pushpin's proxy log: `GET http://host/path -> 127.0.0.1:8000
 * code=200` when the response is done, `... accept` as soon as a request is held. With the route, status,
 * whether it was held and how long it took (to the response, or to the hold). The record rides on the response; one shared listener.
 */
const ACCESS = Symbol('thumbtack.access');

interface AccessRecord {
  logger: Logger;
  startMs: number;
  method: string;
  uri: string;
  route: string;
  target: string;
  held?: 'response' | 'stream';
}

type LoggedResponse = ServerResponse & { [ACCESS]?: AccessRecord };

function onFinished(this: LoggedResponse): void {
  const r = this[ACCESS];
  if (!r) return;
  this[ACCESS] = undefined;
  const outcome = r.held ? 'accept' : `code=${this.statusCode}`;
  r.logger.info(`${r.method} ${r.uri} -> ${r.target} ${outcome}`, {
    route: r.route,
    status: this.statusCode,
    held: r.held ?? false,
    durationMs: Math.round(performance.now() - r.startMs),
    completed: this.writableFinished,
  });
}

/** Starts the access record of a request (nothing when info logging is off). */
export function beginAccess(res: ServerResponse, logger: Logger, fields: Omit<AccessRecord, 'logger' | 'startMs' | 'held'>): void {
  if (!logger.enabled(2)) return;
  (res as LoggedResponse)[ACCESS] = { logger, startMs: performance.now(), ...fields };
  res.on('close', onFinished); // shared and idempotent: no `once` wrapper per response
}

/**
 * The request is held: its line is written now and says `accept`, when and as Pushpin's proxy writes it
 * (not when the held connection ends). The record is dropped, so a held connection does not carry it.
 */
export function markHeld(res: ServerResponse, kind: 'response' | 'stream'): void {
  const r = (res as LoggedResponse)[ACCESS];
  if (!r) return;
  r.held = kind;
  onFinished.call(res as LoggedResponse);
  res.removeListener('close', onFinished);
}

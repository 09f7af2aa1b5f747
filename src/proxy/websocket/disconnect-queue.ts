/**
 * The requests of WebSocket-over-HTTP sessions whose clients left (their `DISCONNECT`, or the `CLOSE` that
 * follows a client's close frame, and any after it), at most `limit` in flight per backend target at a
 * time; the rest wait their turn, in the order their clients left.
 *
 * Clients that leave together (a network blip, a load balancer's restart, a client process killed) would
 * otherwise each send their request at once, and with no idle pooled connection for most of them, each
 * open a new connection to the backend: 4,905 new connections for 5,000 clients leaving in the bench,
 * against 764–1,017 for Pushpin 1.36, whose pipeline paces them. Tens of thousands at once would run out of
 * loopback source ports and lose requests. These requests are notices: the client is gone (its close frame,
 * if any, was answered at once), nobody waits for them, so a short wait costs nothing.
 */

/** Such requests in flight per backend target and worker, by default. */
export const DISCONNECT_CONCURRENCY = 64;

interface TargetQueue {
  active: number;
  waiting: Array<(done: () => void) => void>;
}

export class DisconnectQueue {
  private readonly byTarget = new Map<string, TargetQueue>();

  /** @param limit requests in flight per target; read at each start, so it may be changed (tests do). */
  constructor(private readonly limit: () => number = () => DISCONNECT_CONCURRENCY) {}

  /**
   * Calls `start` now, or once a request to `target` ends, with the function its caller must call once
   * (more calls are ignored) when its request is over, whatever the outcome.
   */
  run(target: string, start: (done: () => void) => void): void {
    let queue = this.byTarget.get(target);
    if (queue === undefined) this.byTarget.set(target, (queue = { active: 0, waiting: [] }));
    if (queue.active < Math.max(1, this.limit())) this.begin(target, queue, start);
    else queue.waiting.push(start);
  }

  /** Requests waiting for a turn, over all targets. */
  get waiting(): number {
    let n = 0;
    for (const queue of this.byTarget.values()) n += queue.waiting.length;
    return n;
  }

  private begin(target: string, queue: TargetQueue, start: (done: () => void) => void): void {
    queue.active++;
    let ended = false;
    start(() => {
      if (ended) return;
      ended = true;
      queue.active--;
      const next = queue.waiting.shift();
      if (next !== undefined) this.begin(target, queue, next);
      else if (queue.active === 0) this.byTarget.delete(target);
    });
  }
}

/**
 * Work deferred to the end of the current turn of the event loop (`setImmediate`, after its I/O callbacks):
 * what several callbacks of one turn write to the same place goes out together, in one system call.
 * Used by held sockets (`proxy/held-socket.ts`) and the bus (`cluster/zmq-bus.ts`).
 */

/** Something with bytes waiting for the end of the turn. */
export interface EndOfTurnWriter {
  flushPending(): void;
}

let queue: EndOfTurnWriter[] = [];
let scheduled = false;

/** Calls `writer.flushPending()` at the end of this turn; call it once per turn per writer (at its first write). */
export function flushAtEndOfTurn(writer: EndOfTurnWriter): void {
  queue.push(writer);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  scheduled = false;
  const writers = queue;
  queue = [];
  for (const writer of writers) writer.flushPending();
}

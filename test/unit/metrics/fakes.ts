import { ChannelIndex } from '../../../src/hold/channel-index';
import { newHoldCounters, type HoldContext } from '../../../src/hold/hold-context';
import type { ReliableHold } from '../../../src/hold/reliable-hold';
import type { CloseReason, Subscriber } from '../../../src/hold/subscriber';
import { silentLogger } from '../../../src/core/logger';
import type { RegisteredSession } from '../../../src/proxy/websocket/ws-registry';
import { Scheduler } from '../../../src/timers/scheduler';

/** A held subscriber that only records how it was closed. */
export class FakeSubscriber implements Subscriber {
  closedWith?: CloseReason;
  constructor(
    readonly kind: 'response' | 'stream',
    readonly channels: string[],
    readonly connectionId: string,
    readonly route?: string,
    readonly queuedBytes?: number,
  ) {}
  get channelCount(): number {
    return this.channels.length;
  }
  deliver(): 'sent' {
    return 'sent';
  }
  onTimer(): void {}
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

/** A client WebSocket session as the registry lists it. */
export class FakeSession implements RegisteredSession {
  closedWith?: CloseReason;
  constructor(
    readonly cid: string,
    readonly route?: string,
    readonly channels: string[] = [],
  ) {}
  refresh(): boolean {
    return false;
  }
  close(reason: CloseReason): void {
    this.closedWith = reason;
  }
}

/**
 * The parts of a worker's hold context the metrics read (index, timer wheel, counters); the reliability
 * part is never touched by them, hence the cast. Close `scheduler` when done.
 */
export function fakeHold(): HoldContext & { scheduler: Scheduler<Subscriber> } {
  return {
    index: new ChannelIndex(() => undefined),
    scheduler: new Scheduler<Subscriber>(() => undefined),
    logger: silentLogger,
    maxQueuedBytes: 1024,
    counters: newHoldCounters(),
    reliable: undefined as unknown as ReliableHold,
  };
}

/** Subscribes a fake subscriber on each of its channels. */
export function hold(ctx: HoldContext, sub: FakeSubscriber): FakeSubscriber {
  for (const channel of sub.channels) ctx.index.add(channel, sub);
  return sub;
}

/**
 * The topics the stats socket's readers subscribed to, as its XPUB socket reports them: `\x01<topic>` for
 * a topic's first subscription, `\x00<topic>` when its last subscriber unsubscribes or goes away. A stats
 * frame starts with `<type> T` (or `<type> J`), so knowing the topics says, before a message is built and
 * encoded, whether ZeroMQ would deliver it to anyone or drop it. With no reader, nothing is encoded.
 */
export class StatsTopics {
  private readonly prefixes = new Set<string>();
  /** Answers of `wants` per frame head, cleared when the topics change. */
  private readonly answers = new Map<string, boolean>();

  /** Applies one subscription message read from the XPUB socket; other messages are ignored. */
  apply(message: Buffer): void {
    const kind = message[0];
    if (kind === undefined || kind > 1) return;
    const topic = message.toString('latin1', 1);
    if (kind === 1) this.prefixes.add(topic);
    else this.prefixes.delete(topic);
    this.answers.clear();
  }

  /** Is any topic subscribed? */
  get any(): boolean {
    return this.prefixes.size > 0;
  }

  /**
   * Could a reader want a frame that starts with `head`? True when a topic is a prefix of `head`, or when
   * `head` is a prefix of a longer topic (which the rest of the frame might match).
   */
  wants(head: string): boolean {
    if (this.prefixes.size === 0) return false;
    const known = this.answers.get(head);
    if (known !== undefined) return known;
    let wanted = false;
    for (const topic of this.prefixes) {
      if (topic.length <= head.length ? head.startsWith(topic) : topic.startsWith(head)) {
        wanted = true;
        break;
      }
    }
    this.answers.set(head, wanted);
    return wanted;
  }
}

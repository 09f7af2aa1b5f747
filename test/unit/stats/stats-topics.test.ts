import { StatsTopics } from '../../../src/stats/stats-topics';

const sub = (topic: string): Buffer => Buffer.concat([Buffer.from([1]), Buffer.from(topic, 'latin1')]);
const unsub = (topic: string): Buffer => Buffer.concat([Buffer.from([0]), Buffer.from(topic, 'latin1')]);

describe('StatsTopics', () => {
  it('wants nothing until a reader subscribes', () => {
    const topics = new StatsTopics();
    expect(topics.any).toBe(false);
    expect(topics.wants('conn T')).toBe(false);
  });

  it('wants every type once the empty topic (everything) is subscribed, and nothing after it is dropped', () => {
    const topics = new StatsTopics();
    topics.apply(sub(''));
    expect(topics.any).toBe(true);
    expect(topics.wants('conn T')).toBe(true);
    expect(topics.wants('message J')).toBe(true);
    topics.apply(unsub(''));
    expect(topics.any).toBe(false);
    expect(topics.wants('conn T')).toBe(false);
  });

  it('matches a topic as a prefix of the frame head, and a head as a prefix of a longer topic', () => {
    const topics = new StatsTopics();
    topics.apply(sub('conn'));
    expect(topics.wants('conn T')).toBe(true);
    expect(topics.wants('message T')).toBe(false);
    topics.apply(sub('message T5:'));
    expect(topics.wants('message T')).toBe(true);
    expect(topics.wants('message J')).toBe(false);
    topics.apply(unsub('conn'));
    expect(topics.wants('conn T')).toBe(false);
    expect(topics.wants('message T')).toBe(true);
  });

  it('ignores messages that are not subscriptions', () => {
    const topics = new StatsTopics();
    topics.apply(Buffer.alloc(0));
    topics.apply(Buffer.from('\u0002conn'));
    expect(topics.any).toBe(false);
  });
});

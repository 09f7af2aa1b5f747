import { heldMemoryMetrics } from '../../../tools/bench/held-memory';

const reading = (rssKb: number, rssByName: Record<string, number> = {}) => ({ rssKb, rssByName });

describe('heldMemoryMetrics', () => {
  it('per connection = (held − before) ÷ established, also per process name', () => {
    const m = heldMemoryMetrics({ before: reading(1024, { condure: 512, zurl: 512 }), held: reading(3072, { condure: 2048, zurl: 1024 }) }, 1000);
    expect(m.rss_baseline_mb).toBe(1);
    expect(m.rss_held_mb).toBe(3);
    expect(m.rss_per_conn_kb).toBeCloseTo(2.048);
    expect(m['rss_per_conn_kb[condure]']).toBeCloseTo(1.536);
    expect(m['rss_per_conn_kb[zurl]']).toBeCloseTo(0.512);
    expect(m).not.toHaveProperty('rss_per_conn_gc_kb');
  });

  it('adds the after-GC figures only when both GC readings exist', () => {
    const both = heldMemoryMetrics({ before: reading(1000), held: reading(5000), beforeGc: reading(900), heldGc: reading(2900) }, 100);
    expect(both.rss_per_conn_gc_kb).toBe(20);
    expect(both.rss_held_gc_mb).toBeCloseTo(2900 / 1024);
    expect(both.rss_per_conn_kb).toBe(40);
    const half = heldMemoryMetrics({ before: reading(1000), held: reading(5000), beforeGc: reading(900) }, 100);
    expect(half).not.toHaveProperty('rss_per_conn_gc_kb');
  });

  it('NaN per connection and no per-process figures when nothing was established', () => {
    const m = heldMemoryMetrics({ before: reading(1000, { node: 1000 }), held: reading(1000, { node: 1000 }) }, 0);
    expect(m.rss_per_conn_kb).toBeNaN();
    expect(m).not.toHaveProperty('rss_per_conn_kb[node]');
  });

  it('a process that appeared after the baseline counts from zero', () => {
    const m = heldMemoryMetrics({ before: reading(100, { a: 100 }), held: reading(300, { a: 100, b: 200 }) }, 2);
    expect(m['rss_per_conn_kb[b]']).toBe(100);
    expect(m['rss_per_conn_kb[a]']).toBe(0);
  });
});

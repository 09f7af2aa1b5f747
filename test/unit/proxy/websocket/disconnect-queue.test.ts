import { DisconnectQueue } from '../../../../src/proxy/websocket/disconnect-queue';

describe('DisconnectQueue', () => {
  it('starts at most `limit` per target, the rest in order as turns end', () => {
    const queue = new DisconnectQueue(() => 2);
    const started: string[] = [];
    const done = new Map<string, () => void>();
    for (const name of ['a', 'b', 'c', 'd']) {
      queue.run('backend:80', (end) => {
        started.push(name);
        done.set(name, end);
      });
    }
    expect(started).toEqual(['a', 'b']);
    expect(queue.waiting).toBe(2);
    done.get('b')?.();
    expect(started).toEqual(['a', 'b', 'c']);
    done.get('b')?.(); // a second call for the same turn frees nothing more
    expect(started).toEqual(['a', 'b', 'c']);
    done.get('a')?.();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.waiting).toBe(0);
  });

  it('keeps each target to its own turns', () => {
    const queue = new DisconnectQueue(() => 1);
    const started: string[] = [];
    queue.run('one:80', () => started.push('one-1'));
    queue.run('one:80', () => started.push('one-2'));
    queue.run('two:80', () => started.push('two-1'));
    expect(started).toEqual(['one-1', 'two-1']);
  });

  it('lets a turn end inside its own start, and reads the limit at each start', () => {
    let limit = 1;
    const queue = new DisconnectQueue(() => limit);
    const started: number[] = [];
    let held: (() => void) | undefined;
    queue.run('t:1', (end) => {
      started.push(1);
      held = end;
    });
    queue.run('t:1', (end) => {
      started.push(2);
      end();
    });
    queue.run('t:1', () => started.push(3));
    expect(started).toEqual([1]);
    held?.();
    expect(started).toEqual([1, 2, 3]);
    limit = 3;
    queue.run('t:1', () => started.push(4));
    expect(started).toEqual([1, 2, 3, 4]);
  });
});

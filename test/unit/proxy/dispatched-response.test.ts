import { DispatchedResponse } from '../../../src/proxy/backend-response';

function readAll(r: DispatchedResponse): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    r.on('data', (c: Buffer) => parts.push(c));
    r.once('end', () => resolve(Buffer.concat(parts)));
    r.once('error', reject);
  });
}

describe('DispatchedResponse', () => {
  it('hands over a body that came whole with its head, in one piece and without stream events', () => {
    const r = new DispatchedResponse(200, 'OK', ['Content-Length', '6']);
    expect(r.receive(Buffer.from('abc'))).toBe(true);
    expect(r.receive(Buffer.from('def'))).toBe(true);
    expect(r.takeWholeBody(100)).toBeUndefined(); // not complete yet
    r.finish();
    const events: string[] = [];
    r.on('end', () => events.push('end'));
    expect(r.takeWholeBody(5)).toBeUndefined(); // longer than asked for: left to the stream
    expect(r.takeWholeBody(6)?.toString()).toBe('abcdef');
    expect(r.takeWholeBody(6)).toBeUndefined(); // taken once
    return new Promise<void>((resolve) => setImmediate(() => {
      expect(events).toEqual([]);
      resolve();
    }));
  });

  it('streams the chunks kept aside, then the rest, when read before the end', async () => {
    const r = new DispatchedResponse(200, 'OK', []);
    r.receive(Buffer.from('one,'));
    const all = readAll(r);
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.takeWholeBody(100)).toBeUndefined(); // already being read
    r.receive(Buffer.from('two,'));
    r.receive(Buffer.from('three'));
    r.finish();
    expect((await all).toString()).toBe('one,two,three');
  });

  it('streams a complete body that was not taken, with its end', async () => {
    const r = new DispatchedResponse(200, 'OK', []);
    r.receive(Buffer.from('whole'));
    r.finish();
    expect((await readAll(r)).toString()).toBe('whole');
  });

  it('keeps at most 64 KiB aside; past it the stream pushes back (undici pauses its parser) until read', async () => {
    const r = new DispatchedResponse(200, 'OK', []);
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const said: boolean[] = [];
    for (let i = 0; i < 5; i++) said.push(r.receive(chunk));
    expect(said).toEqual([true, true, true, true, false]); // 80 KiB in the stream's buffer: over its high-water mark
    expect(r.takeWholeBody(Infinity)).toBeUndefined(); // no longer kept aside
    // The parser, paused, is resumed by the first read that drains the buffer; it then delivers the rest.
    let resumed = 0;
    r.resumeParser = () => {
      if (resumed++ > 0) return;
      r.receive(chunk);
      r.finish();
    };
    const body = await readAll(r);
    expect(body.length).toBe(6 * 16 * 1024);
    expect(resumed).toBe(1);
  });

  it('aborts the request when destroyed before the end, not after it', () => {
    const aborted: string[] = [];
    const early = new DispatchedResponse(200, 'OK', []);
    early.abortRequest = (err) => aborted.push(String(err?.message));
    early.receive(Buffer.from('x'));
    early.destroy();
    const done = new DispatchedResponse(200, 'OK', []);
    done.abortRequest = () => aborted.push('should not happen');
    done.receive(Buffer.from('x'));
    done.finish();
    done.takeWholeBody(10);
    done.destroy();
    expect(aborted).toEqual(['response destroyed before its end']);
  });
});

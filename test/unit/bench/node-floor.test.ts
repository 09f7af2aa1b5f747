import { floorChunk, floorContentLength, floorItems, parseFloorResponseHead } from '../../../tools/bench/node-floor';

describe('node-floor pure parts', () => {
  it('reads the hold, the channel and the body length of a backend response head', () => {
    expect(parseFloorResponseHead('HTTP/1.1 200 OK\r\nGrip-Hold: stream\r\nGRIP-CHANNEL: news; prev-id=1\r\nContent-Length: 0')).toEqual({
      status: 200,
      hold: true,
      channel: 'news',
      contentLength: 0,
    });
    expect(parseFloorResponseHead('HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\nbroken line')).toEqual({
      status: 404,
      hold: false,
      channel: undefined,
      contentLength: 3,
    });
    // A response hold is not what the floor holds; only streams are.
    expect(parseFloorResponseHead('HTTP/1.1 200 OK\r\nGrip-Hold: response\r\nGrip-Channel: a')?.hold).toBe(false);
    expect(parseFloorResponseHead('SSH-2.0-OpenSSH')).toBeUndefined();
  });

  it('frames data as one HTTP/1.1 chunk', () => {
    expect(floorChunk(Buffer.from('data: hi\n\n')).toString()).toBe('a\r\ndata: hi\n\n\r\n');
    expect(floorChunk(Buffer.alloc(300, 'x')).subarray(0, 5).toString()).toBe('12c\r\n');
  });

  it('takes the http-stream items of a publish body and skips the rest', () => {
    const items = floorItems(
      JSON.stringify({
        items: [
          { channel: 'a', formats: { 'http-stream': { content: 'data: 1\n\n' } } },
          { channel: 'b', formats: { 'http-response': { body: 'x' } } },
          { formats: { 'http-stream': { content: 'no channel' } } },
        ],
      }),
    );
    expect(items.map((i) => [i.channel, i.content.toString()])).toEqual([['a', 'data: 1\n\n']]);
    expect(floorItems('{}')).toEqual([]);
    expect(() => floorItems('{not json')).toThrow(SyntaxError);
  });

  it('reads a request head Content-Length in any case, 0 without one', () => {
    expect(floorContentLength('POST /publish/ HTTP/1.1\r\nHost: x\r\ncontent-LENGTH: 42')).toBe(42);
    expect(floorContentLength('GET / HTTP/1.1\r\nHost: x')).toBe(0);
  });
});

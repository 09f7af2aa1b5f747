import { BAD_CHUNKED_BODY, ChunkedDecoder } from '../../../src/proxy/chunked-decoder';

/** Feeds `pieces` in order; returns the body, whether it ended, and the bytes after it. */
function decode(pieces: string[]): { body: string; done: boolean; rest: string } {
  const decoder = new ChunkedDecoder();
  let body = '';
  let rest = '';
  for (const piece of pieces) {
    const out = decoder.push(Buffer.from(piece, 'latin1'));
    if (!out.ok) throw out.error;
    body += Buffer.concat(out.value.data).toString('latin1');
    if (out.value.done) rest = out.value.rest.toString('latin1');
  }
  return { body, done: decoder.done, rest };
}

const BODY = '5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n';

describe('ChunkedDecoder', () => {
  it('decodes chunks with extensions and trailers, and returns what follows the body', () => {
    expect(decode([`${BODY}HTTP/1.1`])).toEqual({ body: 'hello 0123456789', done: true, rest: 'HTTP/1.1' });
  });

  it('gives the same body whatever the pieces', () => {
    for (let size = 1; size <= 7; size++) {
      const pieces: string[] = [];
      for (let at = 0; at < BODY.length; at += size) pieces.push(BODY.slice(at, at + size));
      expect(decode(pieces)).toEqual({ body: 'hello 0123456789', done: true, rest: '' });
    }
  });

  it('is not done before the empty line after the last chunk', () => {
    expect(decode(['5\r\nhello\r\n0\r\n']).done).toBe(false);
    expect(decode(['5\r\nhello\r\n0\r\nX: y\r\n']).done).toBe(false);
    expect(decode(['5\r\nhello\r\n0\r\n\r\n']).done).toBe(true);
  });

  it('accepts bare LF line ends and uppercase hex', () => {
    expect(decode(['B\nhello world\n0\n\n'])).toEqual({ body: 'hello world', done: true, rest: '' });
  });

  it('refuses a size that is not hexadecimal, data not followed by CRLF, and endless lines', () => {
    for (const text of ['zz\r\n', '5\r\nhelloX\r\n', '-1\r\n', `${'1'.repeat(5000)}`]) {
      const out = new ChunkedDecoder().push(Buffer.from(text));
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.error.code).toBe(BAD_CHUNKED_BODY);
    }
  });

  it('hands out views of the input, not copies', () => {
    const input = Buffer.from('5\r\nhello\r\n');
    const out = new ChunkedDecoder().push(input);
    expect(out.ok && out.value.data[0]?.buffer).toBe(input.buffer);
  });
});

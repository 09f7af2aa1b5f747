import { decodePublishBody, negotiateResponseFormat } from '../../../src/publish/publish-request';

function bodyErr(body: string | Buffer): { code: string; message: string } {
  const r = decodePublishBody(Buffer.isBuffer(body) ? body : Buffer.from(body));
  if (r.ok) throw new Error('expected a failure');
  return { code: r.error.code, message: r.error.message };
}

describe('decodePublishBody', () => {
  it('decodes the §4 example', () => {
    const r = decodePublishBody(Buffer.from('{"items":[{"channel":"s1","formats":{"http-stream":{"content":"hello\\n"}}}]}'));
    expect(r.ok && r.value).toEqual([
      { channel: 's1', meta: {}, noSeq: false, formats: { 'http-stream': { action: 'send', content: Buffer.from('hello\n') } } },
    ]);
  });

  it('accepts an empty items list', () => {
    const r = decodePublishBody(Buffer.from('{"items":[]}'));
    expect(r.ok && r.value).toEqual([]);
  });

  it('rejects bodies that are not JSON', () => {
    for (const b of ['', 'nope', '{"items":[]', Buffer.from([0x7b, 0xff, 0x7d])]) {
      expect(bodyErr(b)).toEqual({ code: 'PUBLISH_BAD_JSON', message: 'Body is not valid JSON.' });
    }
  });

  it('rejects JSON that is not an object', () => {
    for (const b of ['[]', '5', 'null', '"x"']) {
      expect(bodyErr(b)).toEqual({ code: 'PUBLISH_BAD_FORMAT', message: 'Invalid format.' });
    }
  });

  it('rejects a missing or ill-typed items', () => {
    expect(bodyErr('{}').message).toBe("Invalid format: object does not contain 'items'");
    expect(bodyErr('{"item":[]}').message).toBe("Invalid format: object does not contain 'items'");
    expect(bodyErr('{"items":{}}').message).toBe("Invalid format: object contains 'items' with wrong type");
    expect(bodyErr('{"items":null}').message).toBe("Invalid format: object contains 'items' with wrong type");
  });

  it('prefixes item errors and fails the whole body on one bad item', () => {
    const good = '{"channel":"a","formats":{"http-stream":{"content":"x"}}}';
    expect(bodyErr(`{"items":[${good},5]}`)).toEqual({
      code: 'PUBLISH_INVALID_ITEM',
      message: 'Invalid format: publish item object is not an object',
    });
    expect(bodyErr(`{"items":[${good},{"formats":{}}]}`).message).toBe(
      "Invalid format: publish item object does not contain 'channel'",
    );
    expect(bodyErr('{"items":[{"channel":"a","formats":{"ws-message":{"action":"refreshx"}}}]}')).toEqual({
      code: 'PUBLISH_BAD_ACTION',
      message: 'Invalid format: ',
    });
  });
});

describe('negotiateResponseFormat (observed on Pushpin 1.36)', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'text'],
    ['text/plain', 'text'],
    ['text/*', 'text'],
    ['*/*', 'text'],
    ['*', 'text'],
    ['application/json', 'json'],
    ['application/*', 'json'],
    ['text/plain, application/json', 'json'], // the last recognised one wins
    ['application/json, text/plain', 'text'],
    ['application/json;q=0.1, text/plain;q=1', 'text'], // q is ignored
    ['application/json;q=0', 'json'],
    ['foo/bar, application/json', 'json'],
    ['application/json, foo/bar', 'json'],
    ['application/json, */*', 'text'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text'],
    ['text/plain ; charset=utf-8', 'text'],
    [',application/json', 'json'],
    ['application/json, text', 'json'],
    ['image/png', 'not-acceptable'],
    ['text', 'not-acceptable'],
    ['*/json', 'not-acceptable'],
    ['text/plain/x', 'not-acceptable'],
    ['', 'not-acceptable'],
    ['TEXT/PLAIN', 'text'], // Pushpin is case-sensitive here (406); RFC 9110 says case-insensitive
    ['Application/JSON', 'json'],
  ];

  it.each(cases)('%j -> %s', (accept, expected) => {
    expect(negotiateResponseFormat(accept)).toBe(expected);
  });
});

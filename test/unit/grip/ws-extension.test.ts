import { parseGripExtension } from '../../../src/grip/ws-extension';

const ext = (...values: string[]): Array<[string, string]> => values.map((v): [string, string] => ['Sec-WebSocket-Extensions', v]);

describe('parseGripExtension', () => {
  it('is absent without a grip extension', () => {
    expect(parseGripExtension([])).toBeUndefined();
    expect(parseGripExtension(ext('permessage-deflate'))).toBeUndefined();
    expect(parseGripExtension(ext('gripx'))).toBeUndefined();
    expect(parseGripExtension([['X-Other', 'grip']])).toBeUndefined();
  });

  it('defaults the prefix to m:', () => {
    expect(parseGripExtension(ext('grip'))).toEqual({ messagePrefix: 'm:' });
    expect(parseGripExtension([['sec-websocket-extensions', 'grip; foo=bar']])).toEqual({ messagePrefix: 'm:' });
  });

  it('reads message-prefix, quoted or not, empty included', () => {
    expect(parseGripExtension(ext('grip; message-prefix="m:"'))).toEqual({ messagePrefix: 'm:' });
    expect(parseGripExtension(ext('grip; message-prefix=""'))).toEqual({ messagePrefix: '' });
    expect(parseGripExtension(ext('grip; message-prefix=>>'))).toEqual({ messagePrefix: '>>' });
    expect(parseGripExtension(ext('grip; message-prefix'))).toEqual({ messagePrefix: '' });
    expect(parseGripExtension(ext('grip; Message-Prefix="a\\"b"'))).toEqual({ messagePrefix: 'a"b' });
  });

  it('finds grip in a list and in a later header line', () => {
    expect(parseGripExtension(ext('permessage-deflate, grip; message-prefix="x"'))).toEqual({ messagePrefix: 'x' });
    expect(parseGripExtension(ext('permessage-deflate', 'grip'))).toEqual({ messagePrefix: 'm:' });
  });

  it('ignores an element with an unterminated quoted parameter', () => {
    expect(parseGripExtension(ext('grip; message-prefix="open'))).toBeUndefined();
  });
});

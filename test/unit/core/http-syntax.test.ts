import { headerNameIs, startsWithIgnoringCase } from '../../../src/core/http-syntax';

describe('header name comparison without copies', () => {
  // Names as they come from clients and backends (latin1: one byte per char), in several cases.
  const names = ['Host', 'host', 'HOST', 'hOsT', 'Hosts', 'Hos', 'Content-Length', 'content-LENGTH', 'Grip-Sig', 'GRIP-channel',
    'Grip', 'x-grip-sig', 'Ho\u00d3t', 'H\u00f6st', 'Ho[t', 'Ho@t', '', 'Content_Length', 'Transfer-Encoding'];
  const sought = ['host', 'content-length', 'grip-sig', 'grip-', 'transfer-encoding', ''];

  it('says what toLowerCase() === says, for every pair', () => {
    for (const name of names) {
      for (const lower of sought) {
        expect([name, lower, headerNameIs(name, lower)]).toEqual([name, lower, name.toLowerCase() === lower]);
        expect([name, lower, startsWithIgnoringCase(name, lower)]).toEqual([name, lower, name.toLowerCase().startsWith(lower)]);
      }
    }
  });

  it('folds A-Z only: the characters next to them in ASCII stay different', () => {
    // '@' (0x40) and '[' (0x5b) are 0x20 below '`' and '{': not letters, so not folded.
    expect(headerNameIs('@', '`')).toBe(false);
    expect(headerNameIs('[', '{')).toBe(false);
    expect(headerNameIs('A', 'a')).toBe(true);
    expect(headerNameIs('Z', 'z')).toBe(true);
  });
});

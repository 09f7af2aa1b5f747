import { closeCodeForClient, isSendableCloseCode, truncateCloseReason } from '../../../../src/proxy/websocket/close-codes';

describe('close codes', () => {
  it('knows which codes may be sent', () => {
    for (const code of [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4001, 4999]) expect(isSendableCloseCode(code)).toBe(true);
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 65535]) expect(isSendableCloseCode(code)).toBe(false);
  });

  it('maps no code and unsendable codes to 1000', () => {
    expect(closeCodeForClient(undefined)).toBe(1000);
    expect(closeCodeForClient(0)).toBe(1000);
    expect(closeCodeForClient(1005)).toBe(1000);
    expect(closeCodeForClient(4001)).toBe(4001);
  });

  it('cuts reasons to 123 bytes on a character boundary', () => {
    expect(truncateCloseReason('bye')).toBe('bye');
    expect(Buffer.byteLength(truncateCloseReason('x'.repeat(200)))).toBe(123);
    const cut = truncateCloseReason('é'.repeat(100));
    expect(Buffer.byteLength(cut)).toBe(122);
    expect(cut).toBe('é'.repeat(61));
  });
});

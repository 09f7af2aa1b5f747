import { decodeControlMessage } from '../../../src/grip/ws-control';

// regression (found by test/fuzz/websocket.test.ts): a timeout beyond 32 bits was accepted as is; from about
// 9e12 s on (e.g. 1e300) the session then asked the scheduler for a tick past 2^53 ms, which throws
// TIMER_INVALID_TICK out of the backend message handler. Pushpin reads the timeout into a 32-bit int.
describe('control message timeouts beyond 32 bits', () => {
  it.each(['1e300', '2147483648', '9007199254740993', '-2147483649'])('refuses timeout %s as a wrong type', (t) => {
    for (const type of ['keep-alive', 'send-delayed']) {
      const r = decodeControlMessage(`{"type":"${type}","content":"x","timeout":${t}}`);
      expect(r.ok ? r.value : r.error).toMatchObject({
        code: 'WS_CONTROL_INVALID',
        message: "grip control object contains 'timeout' with wrong type",
      });
    }
  });

  it('still accepts the largest 32-bit timeout, and ignores any timeout without content', () => {
    expect(decodeControlMessage('{"type":"keep-alive","content":"x","timeout":2147483647}')).toMatchObject({ ok: true, value: { timeoutSec: 2147483647 } });
    expect(decodeControlMessage('{"type":"send-delayed","content":"x","timeout":2147483647.9}')).toMatchObject({ ok: true, value: { timeoutSec: 2147483647 } });
    expect(decodeControlMessage('{"type":"keep-alive","timeout":1e300}')).toMatchObject({ ok: true, value: { timeoutSec: 55 } });
  });
});

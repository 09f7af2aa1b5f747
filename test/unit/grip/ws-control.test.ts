import { decodeControlMessage, WS_CONTROL_INVALID, type WsControlMessage } from '../../../src/grip/ws-control';

function decode(json: string): WsControlMessage {
  const r = decodeControlMessage(json);
  if (!r.ok) throw new Error(`unexpected error: ${r.error.message}`);
  return r.value;
}

function error(json: string): string {
  const r = decodeControlMessage(Buffer.from(json));
  if (r.ok) throw new Error(`expected an error for ${json}`);
  expect(r.error.code).toBe(WS_CONTROL_INVALID);
  return r.error.message;
}

describe('decodeControlMessage', () => {
  it('decodes subscribe with and without filters, and unsubscribe', () => {
    expect(decode('{"type":"subscribe","channel":"w1"}')).toEqual({ type: 'subscribe', channel: 'w1', filters: [] });
    expect(decode('{"type":"subscribe","channel":"room-7","filters":["skip-self"]}')).toEqual({
      type: 'subscribe',
      channel: 'room-7',
      filters: ['skip-self'],
    });
    expect(decode('{"type":"unsubscribe","channel":"w1"}')).toEqual({ type: 'unsubscribe', channel: 'w1' });
  });

  it('reads a Buffer as UTF-8', () => {
    expect(decodeControlMessage(Buffer.from('{"type":"subscribe","channel":"café"}'))).toEqual({
      ok: true,
      value: { type: 'subscribe', channel: 'café', filters: [] },
    });
  });

  it('rejects a missing, empty or ill-typed channel and bad filters', () => {
    expect(error('{"type":"subscribe"}')).toBe("grip control object does not contain 'channel'");
    expect(error('{"type":"unsubscribe","channel":""}')).toBe("grip control object contains 'channel' with invalid value");
    expect(error('{"type":"subscribe","channel":5}')).toBe("grip control object contains 'channel' with wrong type");
    expect(error('{"type":"subscribe","channel":"a","filters":"skip-self"}')).toBe("grip control object contains 'filters' with wrong type");
    expect(error('{"type":"subscribe","channel":"a","filters":[1]}')).toBe('filters contains value with wrong type');
  });

  it('decodes detach, flush-delayed and session', () => {
    expect(decode('{"type":"detach"}')).toEqual({ type: 'detach' });
    expect(decode('{"type":"flush-delayed"}')).toEqual({ type: 'flush-delayed' });
    expect(decode('{"type":"session","id":"s1"}')).toEqual({ type: 'session', id: 's1' });
    expect(decode('{"type":"session"}')).toEqual({ type: 'session' });
  });

  it('decodes set-meta; an absent or null value removes', () => {
    expect(decode('{"type":"set-meta","name":"user","value":"carol"}')).toEqual({ type: 'set-meta', name: 'user', value: 'carol' });
    expect(decode('{"type":"set-meta","name":"user"}')).toEqual({ type: 'set-meta', name: 'user' });
    expect(decode('{"type":"set-meta","name":"user","value":null}')).toEqual({ type: 'set-meta', name: 'user' });
    expect(error('{"type":"set-meta","name":""}')).toBe("grip control object contains 'name' with invalid value");
    expect(error('{"type":"set-meta","name":"u","value":3}')).toBe("grip control object contains 'value' with wrong type");
  });

  it('decodes keep-alive with defaults: text, 55 s (also for 0), idle', () => {
    expect(decode('{"type":"keep-alive","content":"kaping","timeout":2}')).toEqual({
      type: 'keep-alive',
      messageType: 'text',
      content: Buffer.from('kaping'),
      timeoutSec: 2,
      mode: 'idle',
    });
    expect(decode('{"type":"keep-alive","content":"{}"}')).toMatchObject({ timeoutSec: 55, mode: 'idle' });
    expect(decode('{"type":"keep-alive","content":"{}","timeout":0}')).toMatchObject({ timeoutSec: 55 });
    expect(decode('{"type":"keep-alive","content":"{}","message-type":"text","timeout":30,"mode":"interval"}')).toMatchObject({
      timeoutSec: 30,
      mode: 'interval',
    });
    expect(decode('{"type":"keep-alive","content":"x","mode":"bogus"}')).toMatchObject({ mode: 'idle' });
  });

  it('keep-alive without content turns keep-alives off (content absent)', () => {
    expect(decode('{"type":"keep-alive"}')).toMatchObject({ type: 'keep-alive', content: undefined });
  });

  it('content-bin is base64 and, as in Pushpin, leaves the type text unless message-type says otherwise', () => {
    expect(decode('{"type":"keep-alive","content-bin":"AAEC"}')).toMatchObject({ messageType: 'text', content: Buffer.from([0, 1, 2]) });
    expect(decode('{"type":"keep-alive","content-bin":"AAEC","message-type":"binary"}')).toMatchObject({ messageType: 'binary' });
    expect(decode('{"type":"keep-alive","content":"p","message-type":"ping"}')).toMatchObject({ messageType: 'ping' });
  });

  it('ignores timeout without content, and rejects bad ones with content', () => {
    expect(decode('{"type":"keep-alive","timeout":"x"}')).toMatchObject({ content: undefined });
    expect(error('{"type":"keep-alive","content":"x","timeout":"5"}')).toBe("grip control object contains 'timeout' with wrong type");
    expect(error('{"type":"keep-alive","content":"x","timeout":-1}')).toBe("grip control object contains 'timeout' with invalid value");
  });

  it('decodes send-delayed with a 1 s default', () => {
    expect(decode('{"type":"send-delayed","content":"later"}')).toEqual({
      type: 'send-delayed',
      messageType: 'text',
      content: Buffer.from('later'),
      timeoutSec: 1,
    });
    expect(decode('{"type":"send-delayed","content":"later","timeout":3}')).toMatchObject({ timeoutSec: 3 });
  });

  it('rejects wrong payload fields', () => {
    expect(error('{"type":"send-delayed","content":5}')).toBe("grip control object contains 'content' with wrong type");
    expect(error('{"type":"send-delayed","content-bin":5}')).toBe("grip control object contains 'content-bin' with wrong type");
    expect(error('{"type":"keep-alive","content":"x","message-type":"close"}')).toBe(
      "grip control object contains 'message-type' with unknown value",
    );
    expect(error('{"type":"keep-alive","content":"x","mode":1}')).toBe("grip control object contains 'mode' with wrong type");
  });

  it('rejects non-objects, bad JSON, a missing or unknown type (there is no close control message)', () => {
    expect(error('[1]')).toBe('grip control packet is not an object');
    expect(error('"x"')).toBe('grip control packet is not an object');
    expect(error('null')).toBe('grip control packet is not an object');
    expect(error('{"type":')).toMatch(/^grip control packet is not valid JSON/);
    expect(error('{}')).toBe("grip control object does not contain 'type'");
    expect(error('{"type":7}')).toBe("grip control object contains 'type' with wrong type");
    expect(error('{"type":"close"}')).toBe("'type' contains unknown value: close");
  });
});

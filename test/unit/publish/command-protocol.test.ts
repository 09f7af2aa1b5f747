import { decodeTnetstring, encodeTnetstring } from '../../../src/core/tnetstring';
import type { TnetValue } from '../../../src/core/tnetstring';
import { runCommand, type CommandHandlers } from '../../../src/publish/command-methods';
import {
  decodeCommandRequest,
  encodeCommandReply,
  routerReplyFrames,
  splitRouterMessage,
  type CommandRequest,
} from '../../../src/publish/command-protocol';
import type { PublishItem } from '../../../src/publish/item-types';

const b = (s: string): Buffer => Buffer.from(s);

function request(text: string): CommandRequest {
  const r = decodeCommandRequest(b(text));
  if (!r.ok) throw r.error;
  return r.value;
}

function fakeHandlers(): CommandHandlers & { published: PublishItem[][]; recovered: number; refreshed: string[] } {
  const h = {
    published: [] as PublishItem[][],
    recovered: 0,
    refreshed: [] as string[],
    publish: (items: PublishItem[]) => void h.published.push(items),
    recover: () => void h.recovered++,
    refreshConnection: (cid: string) => cid === 'ws-1',
    refreshChannel: (channel: string) => void h.refreshed.push(channel),
    isConnected: (id: string) => id === 'thumbtack:0-1',
    zmqUris: () => ({ command: 'tcp://127.0.0.1:5863', 'publish-pull': 'tcp://127.0.0.1:5860', 'publish-sub': 'tcp://127.0.0.1:5862' }),
  };
  return h;
}

/** Runs a request and decodes the reply it would get. */
function call(h: CommandHandlers, body: Record<string, unknown>): Record<string, TnetValue> {
  const req = request(encodeTnetstring(body as never).toString('latin1'));
  const reply = decodeTnetstring(encodeCommandReply(req.id, runCommand(req, h)));
  if (!reply.ok) throw reply.error;
  return reply.value as Record<string, TnetValue>;
}

describe('command protocol (publishing.md §7)', () => {
  it('answers get-zmq-uris and an unknown method with exactly the bytes Pushpin 1.36 sent', () => {
    const h = fakeHandlers();
    const uris = request('38:2:id,5:req-1,6:method,12:get-zmq-uris,}');
    expect(encodeCommandReply(uris.id, runCommand(uris, h)).toString()).toBe(
      '156:7:success,4:true!5:value,113:7:command,20:tcp://127.0.0.1:5863,12:publish-pull,20:tcp://127.0.0.1:5860,11:publish-sub,20:tcp://127.0.0.1:5862,}2:id,5:req-1,}',
    );
    const bogus = request('30:2:id,5:req-1,6:method,5:bogus,}');
    expect(encodeCommandReply(bogus.id, runCommand(bogus, h)).toString()).toBe(
      '63:7:success,5:false!9:condition,16:method-not-found,2:id,5:req-1,}',
    );
  });

  it('splits ROUTER frames at the first empty frame and wants exactly one content frame', () => {
    const ok = splitRouterMessage([b('peer'), b(''), b('body')]);
    expect(ok.ok && ok.value).toEqual({ envelope: [b('peer')], content: b('body') });
    expect(routerReplyFrames([b('peer')], b('r'))).toEqual([b('peer'), b(''), b('r')]);
    for (const frames of [[b('peer'), b('body')], [b('peer'), b('')], [b('peer'), b(''), b('a'), b('b')]]) {
      const r = splitRouterMessage(frames);
      expect(!r.ok && r.error.code).toBe('COMMAND_BAD_MESSAGE');
    }
  });

  it('rejects malformed requests (they get no reply)', () => {
    const t = (v: unknown): string => encodeTnetstring(v as never).toString('latin1');
    const cases: Array<[string, string]> = [
      ['not tnet', 'TNET_INVALID'],
      [t('abcd'), 'COMMAND_BAD_MESSAGE'], // not a dict
      [t({ id: 'x', a: 'b' }), 'COMMAND_BAD_MESSAGE'], // no method
      [t({ method: 12 }), 'COMMAND_BAD_MESSAGE'], // method not bytes
      [t({ method: 'x', args: [] }), 'COMMAND_BAD_MESSAGE'], // args not a dict
      [t({ id: 1, method: 'x' }), 'COMMAND_BAD_MESSAGE'], // id not bytes
    ];
    for (const [text, code] of cases) {
      const r = decodeCommandRequest(b(text));
      expect([text, !r.ok && r.error.code]).toEqual([text, code]);
    }
    const noId = request('13:6:method,1:x,}');
    expect(noId.id).toEqual(Buffer.alloc(0));
  });

  it('publish: validates every item first, with the HTTP API error texts', () => {
    const h = fakeHandlers();
    const item = { channel: 'c', formats: { 'http-stream': { content: 'x' } } };
    expect(call(h, { id: '1', method: 'publish', args: { items: [item, item] } })).toMatchObject({ success: true, value: null });
    expect(h.published).toHaveLength(1);
    expect(h.published[0]).toHaveLength(2);
    const bad = (args: unknown): unknown => {
      const r = call(h, { id: '2', method: 'publish', args });
      return [r.success, String(r.condition), String(r.value)];
    };
    expect(bad({})).toEqual([false, 'bad-request', "Invalid format: object does not contain 'items'"]);
    expect(bad({ items: 'x' })).toEqual([false, 'bad-request', "Invalid format: object contains 'items' with wrong type"]);
    expect(bad({ items: [item, { formats: {} }] })).toEqual([false, 'bad-request', "Invalid format: publish item object does not contain 'channel'"]);
    expect(h.published).toHaveLength(1);
  });

  it('recover, refresh and conncheck', () => {
    const h = fakeHandlers();
    expect(call(h, { method: 'recover' })).toMatchObject({ success: true, value: null });
    expect(h.recovered).toBe(1);
    expect(call(h, { method: 'refresh', args: { cid: 'ws-1' } })).toMatchObject({ success: true });
    expect(String(call(h, { method: 'refresh', args: { cid: 'nope' } }).condition)).toBe('item-not-found');
    expect(call(h, { method: 'refresh', args: { channel: 'news' } })).toMatchObject({ success: true });
    expect(h.refreshed).toEqual(['news']);
    expect(String(call(h, { method: 'refresh' }).condition)).toBe('bad-request');
    expect(String(call(h, { method: 'refresh', args: { cid: 5 } }).condition)).toBe('bad-request');
    const check = call(h, { method: 'conncheck', args: { ids: ['thumbtack:0-1', 'abc', 'thumbtack:0-1'] } });
    expect(check.success).toBe(true);
    expect((check.value as Buffer[]).map(String)).toEqual(['thumbtack:0-1']);
    expect(String(call(h, { method: 'conncheck', args: {} }).condition)).toBe('bad-request');
    expect(String(call(h, { method: 'conncheck', args: { ids: [1] } }).condition)).toBe('bad-request');
  });
});

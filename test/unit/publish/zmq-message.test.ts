import { decodePullMessage } from '../../../src/publish/zmq-message';

const tnetItem = '74:7:channel,2:s1,7:formats,45:11:http-stream,26:7:content,12:pull T tnet\n,}}}';
const streamOf = (s: string) => ({ 'http-stream': { action: 'send', content: Buffer.from(s) } });

describe('decodePullMessage', () => {
  it('reads a J frame as JSON (§5 example)', () => {
    const r = decodePullMessage(Buffer.from('J{"channel":"s1","formats":{"http-stream":{"content":"pull J json\\n"}}}'));
    expect(r.ok && r.value).toEqual({ channel: 's1', meta: {}, noSeq: false, formats: streamOf('pull J json\n') });
  });

  it('reads a T frame and a bare frame as tnetstring', () => {
    const t = decodePullMessage(Buffer.from(`T${tnetItem}`));
    expect(t.ok && t.value.formats).toEqual(streamOf('pull T tnet\n'));
    const bare = decodePullMessage(Buffer.from(tnetItem));
    expect(bare.ok && bare.value).toEqual({ channel: 's1', meta: {}, noSeq: false, formats: streamOf('pull T tnet\n') });
  });

  it('uses the SUB topic as the channel (§6 example)', () => {
    const r = decodePullMessage(Buffer.from('J{"formats":{"http-stream":{"content":"sub J json\\n"}}}'), 's1');
    expect(r.ok && r.value.channel).toBe('s1');
    const t = decodePullMessage(Buffer.from(tnetItem), 'other');
    expect(t.ok && t.value.channel).toBe('other');
  });

  it('treats JSON content-bin as base64 and tnetstring content-bin as raw', () => {
    const j = decodePullMessage(Buffer.from('J{"channel":"c","formats":{"ws-message":{"content-bin":"AAEC"}}}'));
    expect(j.ok && j.value.formats['ws-message']?.content).toEqual(Buffer.from([0, 1, 2]));
    const raw = Buffer.from('4:AAEC');
    const inner = Buffer.concat([Buffer.from('11:content-bin,'), raw, Buffer.from(',')]);
    const ws = Buffer.concat([Buffer.from(`10:ws-message,${inner.length}:`), inner, Buffer.from('}')]);
    const item = Buffer.concat([Buffer.from(`7:channel,1:c,7:formats,${ws.length}:`), ws, Buffer.from('}')]);
    const frame = Buffer.concat([Buffer.from(`${item.length}:`), item, Buffer.from('}')]);
    const t = decodePullMessage(frame);
    expect(t.ok && t.value.formats['ws-message']?.content).toEqual(Buffer.from('AAEC'));
  });

  it('rejects bad frames', () => {
    const empty = decodePullMessage(Buffer.alloc(0));
    expect(!empty.ok && empty.error).toMatchObject({ code: 'PUBLISH_BAD_MESSAGE', message: 'publish message is empty' });
    const badJson = decodePullMessage(Buffer.from('J{nope'));
    expect(!badJson.ok && badJson.error).toMatchObject({
      code: 'PUBLISH_BAD_MESSAGE',
      message: "publish message after 'J' is not valid JSON",
    });
    const notObject = decodePullMessage(Buffer.from('J[1]'));
    expect(!notObject.ok && notObject.error.message).toBe('publish item object is not an object');
    const badTnet = decodePullMessage(Buffer.from('T99:x,'));
    expect(!badTnet.ok && badTnet.error.code).toBe('TNET_INVALID');
    const garbage = decodePullMessage(Buffer.from('{"channel":"a"}'));
    expect(!garbage.ok && garbage.error.message).toBe('tnetstring length prefix is not a number at offset 0');
    const trailing = decodePullMessage(Buffer.from(`${tnetItem}x`));
    expect(!trailing.ok && trailing.error.code).toBe('TNET_INVALID');
    const notDict = decodePullMessage(Buffer.from('1:x,'));
    expect(!notDict.ok && notDict.error.message).toBe('publish item object is not an object');
  });
});

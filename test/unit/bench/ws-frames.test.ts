import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import { acceptFor, checkUpgradeHead, encodeClientFrame, MAX_MESSAGE_BYTES, OPCODE, upgradeRequest, WsFrameDecoder, type WsMessage } from '../../../tools/bench/ws-frames';

/** The parts of the ws package's frame codec these tests use as a reference (it ships no types for them). */
interface WsReceiver extends EventEmitter {
  write(chunk: Buffer): boolean;
}
interface WsLib {
  Sender: { frame(data: Buffer, options: { fin: boolean; mask: boolean; opcode: number; readOnly: boolean; rsv1: boolean }): Buffer[] };
  Receiver: new (options: { isServer: boolean; skipUTF8Validation?: boolean }) => WsReceiver;
}
const wsLib = WebSocket as unknown as WsLib;

/** A frame as a server sends it, made by the ws package. */
function serverFrame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  return Buffer.concat(wsLib.Sender.frame(Buffer.from(payload), { fin, mask: false, opcode, readOnly: false, rsv1: false }));
}

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const text = (m: WsMessage | undefined): string => m?.payload.toString('utf8') ?? '<none>';

describe('handshake', () => {
  it('computes the accept value of RFC 6455 §1.3', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('writes an upgrade request', () => {
    const req = upgradeRequest('/ws/w1', '127.0.0.1', 'dGhlIHNhbXBsZSBub25jZQ==').toString('latin1');
    expect(req.startsWith('GET /ws/w1 HTTP/1.1\r\nHost: 127.0.0.1\r\n')).toBe(true);
    expect(req).toContain('\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n');
    expect(req).toContain('\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n');
    expect(req.endsWith('\r\n\r\n')).toBe(true);
  });

  it('accepts a 101 with the right accept value and rejects anything else', () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const good = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
    expect(checkUpgradeHead(good, key)).toBeUndefined();
    expect(checkUpgradeHead(good + '\r\nX-Other: 1', key)).toBeUndefined();
    expect(checkUpgradeHead('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0', key)).toBe('status 502');
    expect(checkUpgradeHead('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket', key)).toBe('no Sec-WebSocket-Accept');
    expect(checkUpgradeHead(good, 'AAAAAAAAAAAAAAAAAAAAAA==')).toMatch(/wrong Sec-WebSocket-Accept/);
    expect(checkUpgradeHead('SSH-2.0-OpenSSH', key)).toMatch(/not an HTTP\/1.1 response/);
  });
});

describe('encodeClientFrame', () => {
  it('is read back by the ws package as the same messages (7-bit, 16-bit and 64-bit lengths)', () => {
    const receiver = new wsLib.Receiver({ isServer: true });
    const got: string[] = [];
    receiver.on('message', (data: Buffer) => got.push(data.toString('latin1')));
    const pings: string[] = [];
    receiver.on('ping', (data: Buffer) => pings.push(data.toString('latin1')));
    const sizes = [0, 5, 125, 126, 65535, 65536, 70000];
    const payloads = sizes.map((n) => 'x'.repeat(n).replace(/x/g, (_, i: number) => String.fromCharCode(97 + (i % 26))));
    for (const p of payloads) receiver.write(encodeClientFrame(OPCODE.text, Buffer.from(p, 'latin1'), MASK));
    receiver.write(encodeClientFrame(OPCODE.ping, Buffer.from('hi'), MASK));
    expect(got).toEqual(payloads);
    expect(pings).toEqual(['hi']);
  });

  it('sets FIN, the mask bit and the length forms', () => {
    const small = encodeClientFrame(OPCODE.text, Buffer.from('abc'), MASK);
    expect(small[0]).toBe(0x81);
    expect(small[1]).toBe(0x80 | 3);
    expect(small.subarray(2, 6)).toEqual(MASK);
    expect(small.length).toBe(2 + 4 + 3);
    const mid = encodeClientFrame(OPCODE.binary, Buffer.alloc(300), MASK);
    expect(mid[1]).toBe(0x80 | 126);
    expect(mid.readUInt16BE(2)).toBe(300);
    const big = encodeClientFrame(OPCODE.binary, Buffer.alloc(65536), MASK);
    expect(big[1]).toBe(0x80 | 127);
    expect(big.readUInt32BE(6)).toBe(65536);
  });

  it('rejects a bad mask and an oversized control frame', () => {
    expect(() => encodeClientFrame(OPCODE.text, Buffer.from('a'), Buffer.alloc(3))).toThrow(RangeError);
    expect(() => encodeClientFrame(OPCODE.pong, Buffer.alloc(126), MASK)).toThrow(/125/);
  });
});

describe('WsFrameDecoder', () => {
  it('reads frames made by the ws package, also split byte by byte', () => {
    const bytes = Buffer.concat([
      serverFrame(OPCODE.text, 'bench-ts=1700000000123.456'),
      serverFrame(OPCODE.binary, Buffer.alloc(300, 7)),
      serverFrame(OPCODE.text, 'y'.repeat(70_000)),
      serverFrame(OPCODE.ping, 'p'),
    ]);
    const whole = new WsFrameDecoder().feed(bytes);
    expect(whole.map((m) => m.opcode)).toEqual([OPCODE.text, OPCODE.binary, OPCODE.text, OPCODE.ping]);
    expect(text(whole[0])).toBe('bench-ts=1700000000123.456');
    expect(whole[1]?.payload.length).toBe(300);
    expect(whole[2]?.payload.length).toBe(70_000);
    const decoder = new WsFrameDecoder();
    const pieces: WsMessage[] = [];
    for (let i = 0; i < bytes.length; i += 1 + (i % 997)) pieces.push(...decoder.feed(bytes.subarray(i, i + 1 + (i % 997))));
    expect(pieces.map((m) => [m.opcode, m.payload.length])).toEqual(whole.map((m) => [m.opcode, m.payload.length]));
    const small = new WsFrameDecoder();
    const one: WsMessage[] = [];
    const head = serverFrame(OPCODE.text, 'abc');
    for (const byte of head) one.push(...small.feed(Buffer.from([byte])));
    expect(one.map(text)).toEqual(['abc']);
  });

  it('joins a fragmented message and passes a ping sent between its fragments', () => {
    const bytes = Buffer.concat([
      serverFrame(OPCODE.text, 'bench-', false),
      serverFrame(OPCODE.ping, 'between'),
      serverFrame(OPCODE.continuation, 'ts=', false),
      serverFrame(OPCODE.continuation, '42'),
      serverFrame(OPCODE.close, Buffer.from([0x03, 0xe8])),
    ]);
    const out = new WsFrameDecoder().feed(bytes);
    expect(out.map((m) => m.opcode)).toEqual([OPCODE.ping, OPCODE.text, OPCODE.close]);
    expect(text(out[0])).toBe('between');
    expect(text(out[1])).toBe('bench-ts=42');
    expect(out[2]?.payload.readUInt16BE(0)).toBe(1000);
  });

  it('keeps an incomplete frame for the next chunk', () => {
    const decoder = new WsFrameDecoder();
    const frame = serverFrame(OPCODE.text, 'z'.repeat(200));
    expect(decoder.feed(frame.subarray(0, 3))).toEqual([]);
    expect(decoder.feed(frame.subarray(3, 100))).toEqual([]);
    expect(decoder.feed(frame.subarray(100)).map(text)).toEqual(['z'.repeat(200)]);
  });

  it('throws on protocol errors', () => {
    const masked = encodeClientFrame(OPCODE.text, Buffer.from('a'), MASK);
    expect(() => new WsFrameDecoder().feed(masked)).toThrow(/masked/);
    expect(() => new WsFrameDecoder().feed(Buffer.from([0xc1, 0x00]))).toThrow(/reserved/);
    expect(() => new WsFrameDecoder().feed(serverFrame(OPCODE.continuation, 'a'))).toThrow(/continuation/);
    expect(() => new WsFrameDecoder().feed(Buffer.from([0x09, 0x00]))).toThrow(/fragmented control/);
    expect(() => new WsFrameDecoder().feed(Buffer.from([0x89, 126, 0, 200]))).toThrow(/125/);
    expect(() => new WsFrameDecoder().feed(Buffer.from([0x83, 0x00]))).toThrow(/unknown data opcode/);
    expect(() => new WsFrameDecoder().feed(Buffer.from([0x8b, 0x00]))).toThrow(/unknown control opcode/);
    expect(() => new WsFrameDecoder().feed(Buffer.concat([serverFrame(OPCODE.text, 'a', false), serverFrame(OPCODE.text, 'b')]))).toThrow(/inside a fragmented/);
    const huge = Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 0x20, 0, 0]);
    expect(() => new WsFrameDecoder().feed(huge)).toThrow(new RegExp(String(MAX_MESSAGE_BYTES)));
    expect(() => new WsFrameDecoder().feed(Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/4 GiB/);
  });
});

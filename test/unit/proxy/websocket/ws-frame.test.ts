import { serverDataFrame } from '../../../../src/proxy/websocket/ws-frame';

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
// `ws` exports its Sender, but @types/ws does not declare it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Sender } = require('ws') as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

/** What `ws` itself writes for a final, unmasked frame: its header and the payload, in one buffer. */
function wsFrame(opcode: number, payload: Buffer): Buffer {
  const parts = Sender.frame(payload, { fin: true, rsv1: false, opcode, mask: false, readOnly: false });
  return Buffer.concat(parts);
}

describe('serverDataFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])('frames a %i-byte payload as ws does (text and binary)', (length) => {
    const payload = Buffer.alloc(length, 0x61);
    expect(serverDataFrame('text', payload).equals(wsFrame(0x1, payload))).toBe(true);
    expect(serverDataFrame('binary', payload).equals(wsFrame(0x2, payload))).toBe(true);
  });

  it('reuses the frame for the same payload buffer and kind only', () => {
    const payload = Buffer.from('fan-out');
    const first = serverDataFrame('text', payload);
    expect(serverDataFrame('text', payload)).toBe(first);
    const binary = serverDataFrame('binary', payload);
    expect(binary).not.toBe(first);
    expect(binary[0]).toBe(0x82);
    const same = Buffer.from('fan-out');
    const other = serverDataFrame('binary', same);
    expect(other).not.toBe(binary);
    expect(other.equals(binary)).toBe(true);
  });
});

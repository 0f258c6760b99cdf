// WebSocket at the byte level, for clients a real library would never be: half frames, fragments
// that never finish, invalid UTF-8, sockets dropped mid-frame. RFC 6455 framing, client-masked.
import { randomBytes } from 'node:crypto';
import { type Socket, connect } from 'node:net';

export const OPCODES = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameOptions {
  opcode?: number;
  /** FIN bit. Default true. */
  fin?: boolean;
  /** Clients must mask; false makes an illegal unmasked client frame. Default true. */
  mask?: boolean;
  /** Claim this payload length in the header instead of the real one. */
  declaredLength?: number;
}

/** One encoded frame (header, mask key, masked payload). */
export function encodeFrame(payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const { opcode = OPCODES.text, fin = true, mask = true } = options;
  const length = options.declaredLength ?? data.length;
  const head: number[] = [(fin ? 0x80 : 0) | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = (data[i] ?? 0) ^ (key[i % 4] ?? 0);
  return Buffer.concat([Buffer.from(head), key, masked]);
}

export interface RawWs {
  socket: Socket;
  /** Status line of the handshake answer, e.g. "HTTP/1.1 101 Switching Protocols". */
  status: string;
  /** Bytes the server sent after the handshake. */
  received(): Buffer;
  /** Decoded server frames so far (unmasked, unfragmented as servers send them). */
  frames(): { opcode: number; payload: Buffer }[];
  /** Close code of the server's close frame, if one came. */
  closeCode(): number | null;
  /** Resolves when the server closed the TCP connection. */
  closed: Promise<void>;
  send(frame: Buffer): void;
  destroy(): void;
}

/**
 * Opens a TCP connection, sends an upgrade request for `path` with extra headers, and resolves once
 * the answer's head arrived (whatever the status). Rejects on connection errors or after timeoutMs.
 */
export function rawWsConnect(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<RawWs> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let head = '';
    let rest = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('handshake timeout'));
    }, timeoutMs);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', (error) => {
      clearTimeout(timer);
      if (!upgraded) reject(error);
    });
    socket.once('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        'Host: 127.0.0.1',
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    const onData = (chunk: Buffer) => {
      if (upgraded) {
        rest = Buffer.concat([rest, chunk]);
        return;
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      upgraded = true;
      clearTimeout(timer);
      rest = Buffer.from(head.slice(end + 4), 'latin1');
      const status = head.slice(0, head.indexOf('\r\n'));
      resolve({
        socket,
        status,
        received: () => rest,
        frames: () => decodeFrames(rest),
        closeCode() {
          const close = decodeFrames(rest).find((f) => f.opcode === OPCODES.close);
          return close && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : null;
        },
        closed,
        send: (frame) => {
          if (!socket.destroyed) socket.write(frame);
        },
        destroy: () => socket.destroy(),
      });
    };
    socket.on('data', onData);
  });
}

/** Decodes complete unmasked server frames from a byte stream (an incomplete tail is ignored). */
export function decodeFrames(bytes: Buffer): { opcode: number; payload: Buffer }[] {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = (bytes[at] ?? 0) & 0x0f;
    let length = (bytes[at + 1] ?? 0) & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      if (offset + 2 > bytes.length) break;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (offset + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (offset + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(offset, offset + length) });
    at = offset + length;
  }
  return frames;
}

/** The text frames' JSON, parsed (frames that are not JSON are skipped). */
export function jsonFrames(ws: RawWs): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const frame of ws.frames()) {
    if (frame.opcode !== OPCODES.text) continue;
    try {
      out.push(JSON.parse(frame.payload.toString()) as Record<string, unknown>);
    } catch {
      // not JSON: the caller looks at frames() if it cares
    }
  }
  return out;
}

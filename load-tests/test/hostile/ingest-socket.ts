// A raw ingest socket for hostile frames: sends one frame and reports what came back (an answer
// frame, the server's close, or both when a nack precedes the close), reconnecting after a close,
// so a property can throw anything at it. Answers are JSON text, or MessagePack on ingestlab.msgpack.
import { decodeMsgpack } from '@ingestlab/metric-schema';
import { OPCODES, type RawWs, decodeFrames, encodeFrame, rawWsConnect } from '../../faults/support/raw-ws.js';

export type Outcome =
  | { kind: 'frame'; frame: Record<string, unknown> }
  | { kind: 'close'; code: number | null; frame?: Record<string, unknown> }
  | { kind: 'silence' };

/** How long to wait after an answer frame for a close that may follow it (nack, then close). */
const CLOSE_AFTER_ANSWER_MS = 40;

export class IngestSocket {
  private ws: RawWs | null = null;
  private seen = 0;
  private gone = false;

  constructor(
    private readonly port: number,
    private readonly path: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  private async connection(): Promise<RawWs> {
    // a close that arrived late (after the previous answer was returned) also ends the connection
    const stale = this.ws
      ? decodeFrames(this.ws.received())
          .slice(this.seen)
          .some((f) => f.opcode === OPCODES.close)
      : false;
    if (this.ws && !this.gone && !stale) return this.ws;
    this.ws?.destroy();
    const ws = await rawWsConnect(this.port, this.path, this.headers);
    if (!/ 101 /.test(ws.status)) throw new Error(`ingest upgrade answered ${ws.status}`);
    this.ws = ws;
    this.seen = 0;
    this.gone = false;
    void ws.closed.then(() => {
      if (this.ws === ws) this.gone = true;
    });
    return ws;
  }

  /** Sends the bytes as one frame (text by default) and waits for the next answer or the close. */
  async send(
    payload: Buffer,
    options: { opcode?: number; raw?: Buffer } = {},
    timeoutMs = 10_000,
  ): Promise<Outcome> {
    const ws = await this.connection();
    ws.send(options.raw ?? encodeFrame(payload, { opcode: options.opcode ?? OPCODES.text }));
    const deadline = Date.now() + timeoutMs;
    let answer: Record<string, unknown> | undefined;
    let answeredAt = 0;
    for (;;) {
      const frames = decodeFrames(ws.received());
      for (const frame of frames.slice(this.seen)) {
        this.seen++;
        if (frame.opcode === OPCODES.close) {
          ws.destroy();
          this.gone = true;
          const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
          return answer ? { kind: 'close', code, frame: answer } : { kind: 'close', code };
        }
        if (frame.opcode === OPCODES.text && !answer) {
          answer = JSON.parse(frame.payload.toString()) as Record<string, unknown>;
          answeredAt = Date.now();
        } else if (frame.opcode === OPCODES.binary && !answer) {
          // an ingestlab.msgpack socket answers in MessagePack
          const decoded = decodeMsgpack(frame.payload);
          answer = (decoded.ok ? decoded.value : { undecodable: decoded.error }) as Record<string, unknown>;
          answeredAt = Date.now();
        }
      }
      if (answer && Date.now() - answeredAt >= CLOSE_AFTER_ANSWER_MS) return { kind: 'frame', frame: answer };
      if (this.gone)
        return answer ? { kind: 'close', code: null, frame: answer } : { kind: 'close', code: null };
      if (Date.now() > deadline) return answer ? { kind: 'frame', frame: answer } : { kind: 'silence' };
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.ws?.destroy();
  }
}

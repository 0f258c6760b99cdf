// What each live window frame cost this page, per encoding: its size and the time to decode it
// (JSON.parse of the text, or the MessagePack decoder on the bytes; the schema check is not counted).
// The last N frames of each encoding are kept, so switching encodings compares like with like.
import type { Encoding } from '@ingestlab/metric-schema';
import { CostMeter } from './cost-meter.js';

export interface FrameCostSummary {
  /** Window frames in this encoding since the page opened. */
  frames: number;
  /** Frames the figures below cover (the last N at most). */
  count: number;
  /** Mean payload bytes per frame (UTF-8 bytes of the JSON text, or the binary frame's bytes). */
  bytesMean: number | null;
  /** Mean and largest decode time per frame, ms (performance.now(), coarsened by the browser). */
  decodeMean: number | null;
  decodeMax: number | null;
}

const utf8 = new TextEncoder();

/** A JSON frame's size on the wire: its UTF-8 bytes (the browser hands the page decoded text). */
export function utf8Length(text: string): number {
  return utf8.encode(text).byteLength;
}

export class FrameCost {
  readonly #meters: Record<Encoding, { bytes: CostMeter; decode: CostMeter }>;

  /** `size`: frames kept per encoding for the figures. Default 50. */
  constructor(size = 50) {
    const meters = () => ({ bytes: new CostMeter(size), decode: new CostMeter(size) });
    this.#meters = { json: meters(), msgpack: meters() };
  }

  record(encoding: Encoding, bytes: number, decodeMs: number): void {
    this.#meters[encoding].bytes.record(bytes);
    this.#meters[encoding].decode.record(decodeMs);
  }

  /** Forgets the figures (not the frame counts), e.g. to leave out a connection's first, cold frames. */
  reset(): void {
    for (const { bytes, decode } of Object.values(this.#meters)) {
      bytes.reset();
      decode.reset();
    }
  }

  summary(encoding: Encoding): FrameCostSummary {
    const { bytes, decode } = this.#meters[encoding];
    const size = bytes.summary();
    const time = decode.summary();
    if (size.count === 0)
      return { frames: bytes.total, count: 0, bytesMean: null, decodeMean: null, decodeMax: null };
    return {
      frames: bytes.total,
      count: size.count,
      bytesMean: size.mean,
      decodeMean: time.mean,
      decodeMax: time.max,
    };
  }
}

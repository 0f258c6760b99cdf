// Cheap batch bodies for the load driver, built as bytes from pre-encoded parts instead of
// JSON.stringify on objects. Each host's sample is cached, encoded, once per second of fleet time (the
// simulator's bursts change per second and the rest drifts over many seconds) with `ts` last, so a
// sample costs two byte copies: its cached part and the batch's `ts`. Bytes, not strings: a string
// built from hundreds of pieces must be flattened and scanned again before it can be sent (measured
// at a quarter of a 1,000,000 samples/s generator's time).
import type { Fleet } from './fleet.js';

const SAMPLES_OPEN = Buffer.from(',"samples":[', 'latin1');
/** Batch bodies are cut from slabs this big (see BodyPool). */
const SLAB_BYTES = 1024 * 1024;
const BATCH_CLOSE = Buffer.from(']}', 'latin1');
const COMMA = 0x2c;

export class SampleEncoder {
  readonly #fleet: Fleet;
  readonly #first: number;
  readonly #names: string[];
  /** The fleet second each host's cached part belongs to (-1: none yet). */
  readonly #seconds: Float64Array;
  /** `{"host":"web-00017","cpu":37.5,"mem":61.2,"disk":48,"netIn":125000,"netOut":98000,"ts":` per host. */
  readonly #parts: Buffer[];

  /** Covers hosts `first` to `first + count - 1` of the fleet. */
  constructor(fleet: Fleet, first: number, count: number) {
    this.#fleet = fleet;
    this.#first = first;
    this.#names = Array.from({ length: count }, (_, i) => fleet.hostName(first + i));
    this.#parts = new Array(count);
    this.#seconds = new Float64Array(count).fill(-1);
  }

  /** Host `host`'s sample at `ts` up to its `ts` value: that second's values, encoded. */
  part(host: number, ts: number): Buffer {
    const i = host - this.#first;
    const second = Math.floor(ts / 1000);
    if (this.#seconds[i] !== second) {
      const s = this.#fleet.sample(host, second * 1000);
      this.#parts[i] = Buffer.from(
        `{"host":"${this.#names[i]}","cpu":${s.cpu},"mem":${s.mem},"disk":${s.disk},"netIn":${s.netIn},"netOut":${s.netOut},"ts":`,
        'latin1',
      );
      this.#seconds[i] = second;
    }
    return this.#parts[i] as Buffer;
  }

  /** The JSON of host `host`'s sample at `ts` (integer epoch ms), as text. */
  sample(host: number, ts: number): string {
    return `${this.part(host, ts).toString('latin1')}${sampleEnd(ts).toString('latin1')}`;
  }
}

/** `1763830000123}`: what follows a cached part for a sample taken at `ts`. */
export function sampleEnd(ts: number): Buffer {
  return Buffer.from(`${ts}}`, 'latin1');
}

/** `{"producer":"<name>","seq":` — the start of every batch body of one producer. */
export function batchHead(producer: string): Buffer {
  return Buffer.from(`{"producer":"${producer}","seq":`, 'latin1');
}

export interface Slab {
  bytes: Buffer;
  used: number;
  /** Bodies cut from it and not released yet. */
  live: number;
}

/**
 * Batch bodies cut from large slabs that are used again once every body cut from them has been
 * released (its batch settled). A fresh 8 KB buffer per batch made V8 run a full mark-compact every
 * few hundred milliseconds for the external memory alone, about a quarter of a 400,000 samples/s
 * generator's time.
 */
export class BodyPool {
  readonly #free: Slab[] = [];
  #current: Slab = BodyPool.#slab();

  static #slab(): Slab {
    return { bytes: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, live: 0 };
  }

  /** A buffer of `size` bytes and the slab to release it to (null: too big, allocated on its own). */
  take(size: number): { body: Buffer; slab: Slab | null } {
    if (size > SLAB_BYTES / 4) return { body: Buffer.allocUnsafe(size), slab: null };
    if (this.#current.used + size > SLAB_BYTES) {
      const full = this.#current;
      this.#current = this.#free.pop() ?? BodyPool.#slab();
      // a full slab nobody holds any more goes straight back
      if (full.live === 0) this.#recycle(full);
    }
    const slab = this.#current;
    const body = slab.bytes.subarray(slab.used, slab.used + size);
    slab.used += (size + 7) & ~7; // keep the next body 8-byte aligned
    slab.live++;
    return { body, slab };
  }

  /** The batch of a body from `take` has settled: its bytes may be written over once its slab is done. */
  release(slab: Slab | null): void {
    if (!slab) return;
    slab.live--;
    if (slab.live === 0 && slab !== this.#current) this.#recycle(slab);
  }

  #recycle(slab: Slab): void {
    slab.used = 0;
    this.#free.push(slab);
  }
}

/** Bodies for callers that do not release them: never written over. */
const keep = {
  take: (size: number) => ({ body: Buffer.allocUnsafe(size), slab: null }),
};

/**
 * A batch body: `head`, `seq`, then `count` samples each made of `parts[i]` and `ends[i]`, in one
 * buffer of exactly the right size.
 */
export function batchBody(
  head: Buffer,
  seq: number,
  parts: readonly Buffer[],
  ends: readonly Buffer[],
  count = parts.length,
  pool: Pick<BodyPool, 'take'> = keep,
): { body: Buffer; slab: Slab | null } {
  const seqText = String(seq);
  let size = head.length + seqText.length + SAMPLES_OPEN.length + BATCH_CLOSE.length + Math.max(0, count - 1);
  for (let i = 0; i < count; i++) size += (parts[i] as Buffer).length + (ends[i] as Buffer).length;
  const taken = pool.take(size);
  const out = taken.body;
  out.set(head, 0);
  let at = head.length;
  at += out.write(seqText, at, 'latin1');
  out.set(SAMPLES_OPEN, at);
  at += SAMPLES_OPEN.length;
  for (let i = 0; i < count; i++) {
    if (i > 0) out[at++] = COMMA;
    const part = parts[i] as Buffer;
    out.set(part, at);
    at += part.length;
    const end = ends[i] as Buffer;
    out.set(end, at);
    at += end.length;
  }
  out.set(BATCH_CLOSE, at);
  return taken;
}

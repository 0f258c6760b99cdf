// The load driver's batch bodies in MessagePack, built the way the JSON ones are (sample-encoder.ts):
// each host's sample is encoded once per second of fleet time, up to the key of its `ts`, and a batch
// is copied together from those parts and each sample's `ts`. Standard MessagePack, as any library
// writes it: maps with string keys; integers in their shortest form, other numbers as float64.
import { encodeMsgpack, msgpackUintSize, writeMsgpackUint } from '@ingestlab/metric-schema';
import type { Fleet } from './fleet.js';
import type { BodyPool } from './sample-encoder.js';

/** `samples` as a key, then the array header follows. */
const SAMPLES_KEY = Buffer.from([0xa7, ...Buffer.from('samples', 'latin1')]);
/** Map headers: the batch has 3 entries, a sample 7. */
const BATCH_MAP = 0x83;
const SAMPLE_MAP = 0x87;

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class MsgpackSampleEncoder {
  readonly #fleet: Fleet;
  readonly #first: number;
  readonly #names: string[];
  readonly #seconds: Float64Array;
  /** A 7-entry map of host, cpu, mem, disk, netIn, netOut, then the key `ts`, per host. */
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
      const name = this.#names[i] as string;
      // `ts: 0` encodes as one byte, dropped: the part ends with the key and the value follows
      const whole = encodeMsgpack({
        host: name,
        cpu: s.cpu,
        mem: s.mem,
        disk: s.disk,
        netIn: s.netIn,
        netOut: s.netOut,
        ts: 0,
      });
      if (whole[0] !== SAMPLE_MAP) throw new Error('a sample did not encode as a 7-entry map');
      this.#parts[i] = asBuffer(whole.subarray(0, whole.length - 1));
      this.#seconds[i] = second;
    }
    return this.#parts[i] as Buffer;
  }
}

/** A sample's `ts` value: uint 64, what follows a cached part. */
export function msgpackSampleEnd(ts: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = 0xcf;
  out.writeUInt32BE(Math.floor(ts / 0x100000000), 1);
  out.writeUInt32BE(ts >>> 0, 5);
  return out;
}

/** `{producer: <name>, seq:` — the start of every batch body of one producer. */
export function msgpackBatchHead(producer: string): Buffer {
  const whole = Buffer.from(encodeMsgpack({ producer, seq: 0 }));
  whole[0] = BATCH_MAP;
  return whole.subarray(0, whole.length - 1);
}

/** A MessagePack batch body: `head`, `seq`, `samples` and `count` samples of `parts[i]` + `ends[i]`. */
export function msgpackBatchBody(
  head: Buffer,
  seq: number,
  parts: readonly Buffer[],
  ends: readonly Buffer[],
  count: number,
  pool: Pick<BodyPool, 'take'>,
): ReturnType<BodyPool['take']> {
  let size = head.length + msgpackUintSize(seq) + SAMPLES_KEY.length + (count < 16 ? 1 : 3);
  for (let i = 0; i < count; i++) size += (parts[i] as Buffer).length + (ends[i] as Buffer).length;
  const taken = pool.take(size);
  const out = taken.body;
  out.set(head, 0);
  let at = writeMsgpackUint(out, head.length, seq);
  out.set(SAMPLES_KEY, at);
  at += SAMPLES_KEY.length;
  if (count < 16) out[at++] = 0x90 + count;
  else {
    out[at++] = 0xdc;
    out.writeUInt16BE(count, at);
    at += 2;
  }
  for (let i = 0; i < count; i++) {
    const part = parts[i] as Buffer;
    out.set(part, at);
    at += part.length;
    const end = ends[i] as Buffer;
    out.set(end, at);
    at += end.length;
  }
  return taken;
}

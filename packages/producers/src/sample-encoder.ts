// Cheap batch bodies for the load driver: a sample's JSON is built by concatenating pre-formatted
// parts instead of JSON.stringify on objects. Each host's values are computed and formatted once per
// second of fleet time (the simulator's bursts change per second and the rest drifts over many
// seconds), so a host reporting many times a second costs one string concatenation per sample.
import type { Fleet } from './fleet.js';

export class SampleEncoder {
  readonly #fleet: Fleet;
  readonly #first: number;
  /** `{"host":"web-00017","ts":` per host. */
  readonly #heads: string[];
  /** The fleet second each host's cached values belong to (-1: none yet). */
  readonly #seconds: Float64Array;
  /** `,"cpu":37.5,"mem":61.2,"disk":48,"netIn":125000,"netOut":98000}` per host. */
  readonly #tails: string[];

  /** Covers hosts `first` to `first + count - 1` of the fleet. */
  constructor(fleet: Fleet, first: number, count: number) {
    this.#fleet = fleet;
    this.#first = first;
    this.#heads = new Array(count);
    this.#tails = new Array(count).fill('');
    this.#seconds = new Float64Array(count).fill(-1);
    for (let i = 0; i < count; i++) this.#heads[i] = `{"host":"${fleet.hostName(first + i)}","ts":`;
  }

  /** The JSON of host `host`'s sample at `ts` (integer epoch ms), with that second's values. */
  sample(host: number, ts: number): string {
    const i = host - this.#first;
    const second = Math.floor(ts / 1000);
    if (this.#seconds[i] !== second) {
      const s = this.#fleet.sample(host, second * 1000);
      this.#tails[i] =
        `,"cpu":${s.cpu},"mem":${s.mem},"disk":${s.disk},"netIn":${s.netIn},"netOut":${s.netOut}}`;
      this.#seconds[i] = second;
    }
    return `${this.#heads[i]}${ts}${this.#tails[i]}`;
  }
}

/** `{"producer":"<name>","seq":` — the start of every batch body of one producer. */
export function batchHead(producer: string): string {
  return `{"producer":"${producer}","seq":`;
}

/** A batch body from its head, seq and the samples' JSON joined by commas. */
export function batchBody(head: string, seq: number, samples: string): string {
  return `${head}${seq},"samples":[${samples}]}`;
}

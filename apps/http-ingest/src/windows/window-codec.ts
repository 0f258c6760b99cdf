// Translates a PartialWindow (from @ingestlab/aggregation) to the fold script's arguments, and the
// window hash the close script returns back into a PartialWindow. Field names: `n` for samples,
// `<metric>:c|s|lo|hi` for count, sum, min, max, `<metric>:b:<index>` for bucket counts.
import type { HistogramSnapshot, PartialWindow } from '@ingestlab/aggregation';
import { METRIC_NAMES } from '@ingestlab/metric-schema';

const HISTOGRAMS = [...METRIC_NAMES, 'age'] as const;
type HistogramName = (typeof HISTOGRAMS)[number];

function histogramOf(partial: PartialWindow, name: HistogramName): HistogramSnapshot {
  return name === 'age' ? partial.age : partial.metrics[name];
}

/** The fold script's ARGV after start and ttl: samples, then the five counted sections. */
export function foldArguments(partial: PartialWindow): (string | number)[] {
  const ints: (string | number)[] = ['n', partial.samples];
  const floats: (string | number)[] = [];
  const mins: (string | number)[] = [];
  const maxes: (string | number)[] = [];
  for (const name of HISTOGRAMS) {
    const h = histogramOf(partial, name);
    if (h.count === 0) continue;
    ints.push(`${name}:c`, h.count);
    for (const [index, count] of Object.entries(h.buckets)) ints.push(`${name}:b:${index}`, count);
    floats.push(`${name}:s`, String(h.sum));
    mins.push(`${name}:lo`, String(h.min));
    maxes.push(`${name}:hi`, String(h.max));
  }
  const hosts: (string | number)[] = [];
  for (const [host, cpu] of Object.entries(partial.hostCpu)) hosts.push(host, String(cpu));
  return [
    partial.samples,
    ints.length / 2,
    ...ints,
    floats.length / 2,
    ...floats,
    mins.length / 2,
    ...mins,
    maxes.length / 2,
    ...maxes,
    hosts.length / 2,
    ...hosts,
  ];
}

function emptyHistogram(): HistogramSnapshot {
  return { count: 0, sum: 0, min: 0, max: 0, buckets: {} };
}

/** Rebuilds the partial of a closed window from HGETALL and ZRANGE WITHSCORES replies (flat arrays). */
export function partialFromRedis(
  start: number,
  windowMs: number,
  hash: string[],
  hosts: string[],
): PartialWindow {
  const histograms = Object.fromEntries(HISTOGRAMS.map((name) => [name, emptyHistogram()])) as Record<
    HistogramName,
    HistogramSnapshot
  >;
  let samples = 0;
  for (let i = 0; i + 1 < hash.length; i += 2) {
    const field = hash[i]!;
    const value = Number(hash[i + 1]);
    if (field === 'n') {
      samples = value;
      continue;
    }
    const [name, part, index] = field.split(':') as [HistogramName, string, string | undefined];
    const h = histograms[name];
    if (!h) continue;
    if (part === 'c') h.count = value;
    else if (part === 's') h.sum = value;
    else if (part === 'lo') h.min = value;
    else if (part === 'hi') h.max = value;
    else if (part === 'b' && index !== undefined) h.buckets[index] = value;
  }
  // A null prototype: `__proto__` is a valid host name and must stay an ordinary key.
  const hostCpu: Record<string, number> = Object.create(null);
  for (let i = 0; i + 1 < hosts.length; i += 2) hostCpu[hosts[i]!] = Number(hosts[i + 1]);
  const { age, ...metrics } = histograms;
  return { start, windowMs, samples, metrics, age, hostCpu };
}

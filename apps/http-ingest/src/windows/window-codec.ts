// Translates a window aggregate (from @ingestlab/aggregation) into the fold script's section for it,
// and the window hash the close script returns back into a PartialWindow. Field names: `n` for
// samples, `<metric>:c|s|lo|hi` for count, sum, min, max, `<metric>:b:<index>` for bucket counts.
import type { HistogramSnapshot, PartialWindow, WindowAggregate } from '@ingestlab/aggregation';
import { METRIC_NAMES } from '@ingestlab/metric-schema';

const HISTOGRAMS = [...METRIC_NAMES, 'age'] as const;
type HistogramName = (typeof HISTOGRAMS)[number];

/**
 * One JSON text the fold script decodes (cjson) in one go, rather than thousands of arguments each
 * encoded and sent on its own: `[ints, floats, mins, maxes, hosts]`, the first four flat lists of
 * field/value pairs (HINCRBY, HINCRBYFLOAT, keep-lowest, keep-highest), the last cpu/host pairs for
 * ZADD GT. Non-integers travel as strings, so no digit is lost on the way through Lua.
 */
export function foldSection(aggregate: WindowAggregate): string {
  const ints: (string | number)[] = ['n', aggregate.samples];
  const floats: string[] = [];
  const mins: string[] = [];
  const maxes: string[] = [];
  for (const name of HISTOGRAMS) {
    const h = name === 'age' ? aggregate.age : aggregate.metrics[name];
    if (h.count === 0) continue;
    ints.push(`${name}:c`, h.count);
    for (const [index, count] of h.counts) ints.push(`${name}:b:${index}`, count);
    floats.push(`${name}:s`, String(h.sum));
    mins.push(`${name}:lo`, String(h.min));
    maxes.push(`${name}:hi`, String(h.max));
  }
  const hosts: (string | number)[] = [];
  for (const [host, cpu] of aggregate.hostCpu) hosts.push(cpu, host);
  return JSON.stringify([ints, floats, mins, maxes, hosts]);
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

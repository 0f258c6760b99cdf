// Builds contract-valid windows for tests: realistic enough to pass the schema, simple to reason about.
import type { MetricStats, Window as MetricWindow } from '@ingestlab/metric-schema';

const stats = (value: number): MetricStats => ({
  avg: value,
  p50: value,
  p95: value + 5,
  p99: value + 8,
  max: value + 10,
});

export interface WindowSpec {
  start: number;
  windowMs?: number;
  samples?: number;
  cpu?: number;
  queueDepth?: number;
}

export function makeWindow(spec: WindowSpec): MetricWindow {
  const { start, windowMs = 1000, samples = 100, cpu = 40, queueDepth = 0 } = spec;
  const empty = samples === 0;
  return {
    start,
    end: start + windowMs,
    samples,
    hosts: empty ? 0 : Math.min(samples, 50),
    cpu: empty ? null : stats(cpu),
    mem: empty ? null : stats(60),
    disk: empty ? null : stats(50),
    netIn: empty ? null : stats(120_000),
    netOut: empty ? null : stats(90_000),
    top: empty ? [] : [{ host: 'web-00001', cpu: cpu + 10 }],
    pipeline: {
      accepted: samples,
      rejected: 0,
      ingestRate: (samples * 1000) / windowMs,
      lagP50: empty ? null : 20,
      lagP99: empty ? null : 80,
      queueDepth,
    },
  };
}

export function makeWindows(from: number, count: number, windowMs = 1000): MetricWindow[] {
  return Array.from({ length: count }, (_, i) =>
    makeWindow({ start: from + i * windowMs, windowMs, cpu: i }),
  );
}

// Requests answered and their latency, by protocol, route and status, counted in plain numbers on the
// hot path and turned into two Prometheus families only when /metrics is scraped. prom-client's own
// counters and histograms (even their `labels()` children) validate and hash the label set on every
// call; here a request costs a map read, a bucket search and three additions.
import type { Registry } from 'prom-client';

export type Protocol = 'http1' | 'h2c' | 'h2' | 'https1';

/** Latency buckets, seconds (upper bounds; +Inf is added). */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** The counts of one (protocol, route): the handle a route's hook keeps. */
export class RouteRecorder {
  /** status -> requests answered with it. */
  readonly statuses = new Map<number, number>();
  /** Requests per latency bucket (not cumulative; the last one is +Inf). */
  readonly buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  count = 0;
  sumSeconds = 0;

  constructor(
    readonly protocol: Protocol,
    readonly route: string,
  ) {}

  record(status: number, seconds: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i += 1;
    this.buckets[i]! += 1;
    this.count += 1;
    this.sumSeconds += seconds;
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** The shape prom-client's Registry reads from a metric when it is scraped. */
interface ScrapedFamily {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

export class RouteMetrics {
  private readonly recorders = new Map<string, RouteRecorder>();

  constructor(registry: Registry) {
    const family = (
      name: string,
      help: string,
      type: ScrapedFamily['type'],
      values: () => MetricValue[],
    ) => ({
      name,
      help,
      type,
      get: (): ScrapedFamily => ({ name, help, type, values: values(), aggregator: 'sum' }),
      reset: () => {
        for (const recorder of this.recorders.values()) this.reset(recorder);
      },
    });
    // registerMetric takes any object that answers get() and reset() as prom-client's own metrics do.
    const register = (metric: ReturnType<typeof family>) =>
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    register(
      family(
        'ingest_http_requests_total',
        'HTTP requests answered, by protocol, route and status',
        'counter',
        () => this.requestValues(),
      ),
    );
    register(
      family(
        'ingest_http_request_duration_seconds',
        'Time from request to answer, by protocol and route',
        'histogram',
        () => this.latencyValues(),
      ),
    );
  }

  /** The recorder of one (protocol, route); the same one for every call with the same pair. */
  recorder(protocol: Protocol, route: string): RouteRecorder {
    const key = `${protocol} ${route}`;
    let recorder = this.recorders.get(key);
    if (!recorder) {
      recorder = new RouteRecorder(protocol, route);
      this.recorders.set(key, recorder);
    }
    return recorder;
  }

  private requestValues(): MetricValue[] {
    const values: MetricValue[] = [];
    for (const { protocol, route, statuses } of this.recorders.values()) {
      for (const [status, value] of statuses) {
        values.push({ labels: { protocol, route, status: String(status) }, value });
      }
    }
    return values;
  }

  private latencyValues(): MetricValue[] {
    const values: MetricValue[] = [];
    const name = 'ingest_http_request_duration_seconds';
    for (const { protocol, route, buckets, count, sumSeconds } of this.recorders.values()) {
      if (count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i += 1) {
        cumulative += buckets[i]!;
        const le = i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf';
        values.push({ labels: { le, protocol, route }, value: cumulative, metricName: `${name}_bucket` });
      }
      values.push({ labels: { protocol, route }, value: sumSeconds, metricName: `${name}_sum` });
      values.push({ labels: { protocol, route }, value: count, metricName: `${name}_count` });
    }
    return values;
  }

  private reset(recorder: RouteRecorder): void {
    recorder.statuses.clear();
    recorder.buckets.fill(0);
    recorder.count = 0;
    recorder.sumSeconds = 0;
  }
}

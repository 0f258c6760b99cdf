// System 1's own metric families, beside the shared ones (@ingestlab/serving): requests and latency
// by protocol, group commits, and the queue depth as this replica last polled it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Protocol = 'http1' | 'h2c' | 'h2' | 'https1';

export class IngestMetrics {
  readonly requests: Counter<'protocol' | 'route' | 'status'>;
  readonly latency: Histogram<'protocol' | 'route'>;
  readonly groupCommits: Counter;
  readonly groupedBatches: Counter;

  constructor(registry: Registry, queueDepth: () => number) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'ingest_http_requests_total',
      help: 'HTTP requests answered, by protocol, route and status',
      labelNames: ['protocol', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'ingest_http_request_duration_seconds',
      help: 'Time from request to answer, by protocol and route',
      labelNames: ['protocol', 'route'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.groupCommits = new Counter({
      name: 'ingest_group_commits_total',
      help: 'Redis transactions written by group commit (one job each)',
      registers,
    });
    this.groupedBatches = new Counter({
      name: 'ingest_group_commit_batches_total',
      help: 'Batches written by group commit; divided by commits, the mean group size',
      registers,
    });
    new Gauge({
      name: 'ingest_queue_depth_batches',
      help: 'Batches admitted and not yet folded (waiting, delayed, active or retrying), as last polled',
      registers,
      collect() {
        this.set(queueDepth());
      },
    });
  }
}

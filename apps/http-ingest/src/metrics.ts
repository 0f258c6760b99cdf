// System 1's own metric families, beside the shared ones (@ingestlab/serving): requests and latency
// by protocol (RouteMetrics), group commits, and the queue depth as this replica last polled it.
import { Counter, Gauge, type Registry } from 'prom-client';
import { RouteMetrics } from './route-metrics.js';

export class IngestMetrics {
  /** ingest_http_requests_total and ingest_http_request_duration_seconds. */
  readonly routes: RouteMetrics;
  readonly groupCommits: Counter;
  readonly groupedBatches: Counter;

  constructor(registry: Registry, queueDepth: () => number) {
    const registers = [registry];
    this.routes = new RouteMetrics(registry);
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

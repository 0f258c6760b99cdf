// Prometheus metrics of one ingest process (prom-client, a registry per process so tests can run
// several): requests and latency by protocol, queue depth, folds, windows, viewers, dropped frames.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type Protocol = 'http1' | 'h2c' | 'h2' | 'https1';

export interface MetricSources {
  queueDepth: () => number;
  viewers: () => number;
  droppedFrames: () => number;
  /** Jobs folded by all workers (from Redis); may fail while Redis is away. */
  jobsFolded: () => Promise<number>;
}

export class IngestMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'protocol' | 'route' | 'status'>;
  readonly latency: Histogram<'protocol' | 'route'>;
  readonly windowsPublished: Counter;
  readonly groupCommits: Counter;
  readonly groupedBatches: Counter;

  constructor(sources: MetricSources, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'ingest_' });
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
    this.windowsPublished = new Counter({
      name: 'ingest_windows_published_total',
      help: 'Windows this replica closed and published',
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
      help: 'Batches admitted and not yet folded (waiting, delayed, active or retrying)',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'ingest_jobs_folded',
      help: 'Jobs (groups of batches) folded by all workers',
      registers,
      async collect() {
        try {
          this.set(await sources.jobsFolded());
        } catch {
          // Redis away: keep the last value rather than fail the scrape.
        }
      },
    });
    new Gauge({
      name: 'ingest_live_viewers',
      help: 'Dashboard viewers connected to this replica',
      registers,
      collect() {
        this.set(sources.viewers());
      },
    });
    new Gauge({
      name: 'ingest_live_dropped_frames',
      help: 'Frames skipped for slow viewers since start',
      registers,
      collect() {
        this.set(sources.droppedFrames());
      },
    });
  }
}

// System 2's own metric families, beside the shared ones (@ingestlab/serving): the socket path
// (frames, acks, nacks, connections), the duplicate index, and with DATA_DIR the end-to-end mode
// (watermark writes and their time, commit frames, replays by judgement). Read from plain counters
// at scrape time, except the write-time histogram (one observation a window).
import { mirroredCounter } from '@ingestlab/serving';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { IngestConnections } from './connection/ingest-connections.js';
import type { IngestCore } from './core/ingest-core.js';

export function registerIngestMetrics(
  registry: Registry,
  core: IngestCore,
  connections: IngestConnections,
): void {
  const { counts } = connections;
  mirroredCounter(
    registry,
    'ingest_frames_total',
    'Frames received on ingest sockets',
    () => counts.framesIn,
  );
  mirroredCounter(registry, 'ingest_acks_total', 'Acks sent (duplicates included)', () => counts.acks);
  mirroredCounter(registry, 'ingest_nacks_total', 'Nacks sent', () => counts.nacks);
  mirroredCounter(
    registry,
    'ingest_connections_opened_total',
    'Ingest WebSocket connections taken',
    () => connections.opened,
  );
  new Gauge({
    name: 'ingest_open_connections',
    help: 'Ingest WebSocket connections open now',
    registers: [registry],
    collect() {
      this.set(connections.open.size);
    },
  });
  mirroredCounter(
    registry,
    'ingest_duplicate_index_early_evictions_total',
    'Slices of the duplicate index dropped before the horizon because DUPLICATE_MAX_ENTRIES was reached',
    () => core.duplicateEarlyEvictions,
  );
  const endToEnd = core.endToEnd;
  if (!endToEnd) return;
  new Gauge({
    name: 'ingest_end_to_end_connections',
    help: 'Ingest connections open now with end-to-end acknowledgements (?commit=1)',
    registers: [registry],
    collect() {
      this.set(connections.endToEndOpen);
    },
  });
  mirroredCounter(
    registry,
    'ingest_commits_total',
    'Commit frames sent to end-to-end connections',
    () => counts.commits,
  );
  new Counter({
    name: 'ingest_replayed_batches_total',
    help: 'Batches sent again after an end-to-end ack, by judgement: published (duplicate, not counted), open (duplicate of this life), lost (folded again), unknown (epoch not known: folded, classic)',
    labelNames: ['judgement'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [judgement, n] of Object.entries(endToEnd.replays)) this.inc({ judgement }, n);
    },
  });
  const publisher = endToEnd.publisher;
  mirroredCounter(
    registry,
    'ingest_watermark_writes_total',
    'Durable watermark writes (file write, fsync, rename, directory fsync) before a publication',
    () => publisher.counts.writes,
  );
  mirroredCounter(
    registry,
    'ingest_watermark_write_failures_total',
    'Watermark writes that failed (the windows were published without it; no commit sent)',
    () => publisher.counts.failures,
  );
  const writeSeconds = new Histogram({
    name: 'ingest_watermark_write_seconds',
    help: 'Time of one durable watermark write',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  publisher.onWrite = (seconds) => writeSeconds.observe(seconds);
}

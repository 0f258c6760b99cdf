// System 2's own metric families, beside the shared ones (@ingestlab/serving): the socket path
// (frames, acks, nacks, connections) and the duplicate index. Read from plain counters at scrape time.
import { mirroredCounter } from '@ingestlab/serving';
import { Gauge, type Registry } from 'prom-client';
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
}

// A prom-client registry per app instance. Hot-path counts live as plain numbers in Accounting and
// the live hub; the metrics read them at scrape time, so ingest pays nothing per frame for them.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RefusalKind } from '../ingest/accounting.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

/** A counter whose value is read from elsewhere at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number) {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

async function metricsPlugin(app: FastifyInstance) {
  const registry = new Registry();
  registry.setDefaultLabels({ system: 'ws-memory' });
  // Includes nodejs_eventloop_lag_seconds and the lag percentiles, heap and RSS.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const { accounting, hub } = app.pipeline;
  mirroredCounter(
    registry,
    'ingest_connections_total',
    'Ingest WebSocket connections opened',
    () => accounting.connectionsOpened,
  );
  new Gauge({
    name: 'ingest_connections',
    help: 'Ingest WebSocket connections open now',
    registers: [registry],
    collect() {
      this.set(accounting.connectionsOpen);
    },
  });
  mirroredCounter(
    registry,
    'ingest_frames_total',
    'Frames received on ingest sockets',
    () => accounting.framesIn,
  );
  mirroredCounter(
    registry,
    'ingest_samples_total',
    'Samples accepted (rate() of it is samples/s)',
    () => accounting.accepted,
  );
  mirroredCounter(registry, 'ingest_acks_total', 'Acks sent (duplicates included)', () => accounting.acks);
  mirroredCounter(registry, 'ingest_nacks_total', 'Nacks sent', () => accounting.nacks);
  mirroredCounter(
    registry,
    'ingest_duplicates_total',
    'Batches recognised as repeats',
    () => accounting.duplicates,
  );
  new Counter({
    name: 'ingest_rejected_total',
    help: 'Refused batches and connections, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(accounting.refusals) as [RefusalKind, number][])
        this.inc({ kind }, n);
    },
  });
  new Gauge({
    name: 'live_viewers',
    help: 'Dashboard viewers connected (WebSocket and SSE)',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      const stats = hub.stats();
      this.set({ transport: 'ws' }, stats.wsViewers);
      this.set({ transport: 'sse' }, stats.sseViewers);
    },
  });
  mirroredCounter(
    registry,
    'live_dropped_frames_total',
    'Frames skipped for slow viewers',
    () => hub.droppedFrames,
  );
  app.decorate('metrics', registry);
}

export default fp(metricsPlugin, { name: 'ws-ingest-metrics', dependencies: ['ws-ingest-pipeline'] });

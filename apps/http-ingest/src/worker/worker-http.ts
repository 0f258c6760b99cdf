// The worker's small HTTP face on WORKER_PORT, so compose can health-check it and Prometheus can
// scrape it: /healthz, /readyz (its Redis connection) and /metrics (jobs, bulks, samples folded, late
// samples, failures), with the serving core's error handler and vocabulary.
import {
  errorHandler,
  healthRoutes,
  metricsRoutes,
  mirroredCounter,
  processRegistry,
} from '@ingestlab/serving';
import fastify from 'fastify';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Config } from '../config.js';
import type { FoldWorker } from './fold-worker.js';

export interface WorkerHttp {
  /** The address it listens on, e.g. http://127.0.0.1:40123. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startWorkerHttp(
  config: Config,
  worker: FoldWorker,
  logger: Logger,
): Promise<WorkerHttp> {
  const registry = processRegistry('http-redis');
  const { counts } = worker;
  new Counter({
    name: 'ingest_fold_jobs_total',
    help: 'Fold jobs this worker finished, by outcome (folded, already-folded, empty)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(counts.jobs)) this.inc({ outcome }, n);
    },
  });
  mirroredCounter(
    registry,
    'ingest_aggregated_samples_total',
    'Samples this worker folded into windows',
    () => counts.samples,
  );
  mirroredCounter(
    registry,
    'ingest_fold_bulks_total',
    'Bulk folds this worker wrote (one read and one fold script each); jobs divided by bulks is the mean bulk size',
    () => counts.bulks,
  );
  mirroredCounter(
    registry,
    'ingest_fold_late_samples_total',
    'Samples this worker folded into a later window because theirs had been published at its maximum wait',
    () => counts.lateSamples,
  );
  mirroredCounter(
    registry,
    'ingest_fold_failures_total',
    'Fold attempts that failed (retried while attempts remain)',
    () => counts.failures,
  );
  const app = fastify({
    loggerInstance: logger.child({ listener: 'worker-http' }),
    forceCloseConnections: true,
  });
  await app.register(errorHandler, { retryAfterS: config.retryAfterS });
  await app.register(healthRoutes, { system: worker });
  await app.register(metricsRoutes, { registry });
  const address = await app.listen({ host: config.host, port: config.workerPort });
  return { address, close: () => app.close() };
}

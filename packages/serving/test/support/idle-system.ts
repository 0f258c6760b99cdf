// A served system that holds nothing, for tests of what the serving core adds around any system
// (CORS, per-client limits): its answers are fixed, so only the core's behaviour is under test.
import type { Readiness, Stats } from '@ingestlab/metric-schema';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  createLiveHub,
  loadSharedConfig,
  type ServedSystem,
  type SharedConfig,
  ServingMetrics,
  serving,
  sharedCounters,
} from '../../src/index.js';

/** A served System 2 that holds no windows; its /stats counts what `counts` was told. */
export function idleSystem(
  config: SharedConfig,
  overrides: Partial<ServedSystem> = {},
): { system: ServedSystem; counts: ReturnType<typeof sharedCounters> } {
  const counts = sharedCounters();
  const system: ServedSystem = {
    name: 'ws-memory',
    windowMs: 1000,
    hub: createLiveHub('ws-memory', config, () => []),
    stats: (): Stats => ({
      system: 'ws-memory',
      accepted: counts.acceptedSamples,
      aggregated: counts.acceptedSamples,
      rejected: 0,
      duplicates: 0,
      producers: 0,
      queueDepth: 0,
      uptimeMs: 1,
    }),
    readiness: (): Readiness => ({ status: 'ready' }),
    history: () => [],
    counters: () => counts,
    ...overrides,
  };
  return { system, counts };
}

/** Fastify with the serving core around an empty System 2, configured from `env`; not yet ready. */
export async function idleServedApp(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadSharedConfig(env);
  const { system } = idleSystem(config);
  const app = Fastify();
  await app.register(serving, {
    system,
    config,
    metrics: new ServingMetrics(system, { defaultMetrics: false }),
    live: false,
  });
  return app;
}

// Test harness: one System 1 process's services and its three apps on port 0, against a private Redis,
// with a fresh key prefix per system so tests never see each other's data.
import { randomUUID } from 'node:crypto';
import { waitUntil } from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp, closeApp, type TlsFiles } from '../../src/app.js';
import type { Env } from '@ingestlab/serving';
import { type Config, loadConfig } from '../../src/config.js';
import { type FoldWorker, startFoldWorker } from '../../src/worker/fold-worker.js';
import type { Listener } from '../../src/plugins/services.js';
import { createServices, type Services, type ServicesOptions } from '../../src/services.js';
import { loadTlsFiles } from '../../src/tls-cert.js';

const silentLogger = pino({ level: 'silent' });

export function testConfig(redisUrl: string, env: Env = {}): Config {
  return loadConfig({
    REDIS_URL: redisUrl,
    KEY_PREFIX: `t-${randomUUID().slice(0, 8)}`,
    HTTP_PORT: '0',
    H2C_PORT: '0',
    HTTPS_PORT: '0',
    CERT_DIR: '/tmp/ingestlab-test-certs',
    LOG_LEVEL: 'silent',
    ...env,
  });
}

export interface TestSystem {
  config: Config;
  services: Services;
  apps: Record<Listener, FastifyInstance>;
  /** Base URLs once listening: http://, http:// (h2c), https:// */
  urls: Record<Listener, string>;
  tls: TlsFiles;
  close(): Promise<void>;
}

export async function startSystem(
  config: Config,
  options: ServicesOptions & { listen?: boolean } = {},
): Promise<TestSystem> {
  const services = createServices(config, silentLogger, { defaultMetrics: false, ...options });
  const tls = await loadTlsFiles({ cert: null, key: null, certDir: config.certDir });
  const apps = {} as Record<Listener, FastifyInstance>;
  const urls = {} as Record<Listener, string>;
  for (const listener of ['http1', 'h2c', 'tls'] as const) {
    const app = await buildApp(services, listener, tls);
    apps[listener] = app;
    if (options.listen ?? true) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      urls[listener] = `${listener === 'tls' ? 'https' : 'http'}://127.0.0.1:${port}`;
    } else {
      await app.ready();
    }
  }
  await waitReady(services);
  return {
    config,
    services,
    apps,
    urls,
    tls,
    async close() {
      await Promise.all(Object.values(apps).map((app) => closeApp(app, 500)));
      await services.close();
    },
  };
}

async function waitReady(services: Services): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    await services.depth.poll();
    if (services.depth.readiness().status === 'ready') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`system not ready: ${JSON.stringify(services.depth.readiness())}`);
}

export function startWorker(config: Config): FoldWorker {
  return startFoldWorker(config, silentLogger);
}

/**
 * Waits until the pipeline has drained (no batch queued, every accepted sample aggregated) and returns
 * the /stats of that moment; on timeout the error shows the last figures seen.
 */
export async function drainedStats(services: Pick<Services, 'stats'>, timeoutMs: number): Promise<Stats> {
  let last: Stats | null = null;
  await waitUntil(
    async () => {
      last = await services.stats();
      return last.queueDepth === 0 && last.aggregated === last.accepted;
    },
    timeoutMs,
    () => `the pipeline to drain (last /stats: ${JSON.stringify(last)})`,
  );
  return last!;
}

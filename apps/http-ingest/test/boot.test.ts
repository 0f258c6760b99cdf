// The server and worker processes as started for real (from source): a bad setting ends them with
// the reason and exit 78 (EX_CONFIG); SIGTERM/SIGINT stops them gracefully with exit 0 and their
// last log line; the worker serves /healthz and /metrics on WORKER_PORT.
import { join } from 'node:path';
import { answers, ChildGroup, freePort, type PrivateRedis, startRedis, waitUntil } from '@ingestlab/devkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

let redis: PrivateRedis;
let group = new ChildGroup();
beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await group.stop();
  group = new ChildGroup();
});
afterAll(async () => {
  await redis?.stop();
});

/** `src/<entry>.ts` through tsx, on the private Redis with its own key prefix. */
function run(entry: 'server' | 'worker', env: NodeJS.ProcessEnv) {
  const script = join(import.meta.dirname, `../src/${entry}.ts`);
  return group.start(entry, process.execPath, ['--import', 'tsx', '--conditions=source', script], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, REDIS_URL: redis.url, KEY_PREFIX: `boot-${entry}-${Date.now()}`, ...env },
  });
}

describe.each(['server', 'worker'] as const)('%s process', (entry) => {
  it('exits 78 naming the setting on a bad one', async () => {
    const child = run(entry, { LOG_LEVEL: 'loud' });
    expect(await child.exited).toBe(78);
    expect(child.output()).toContain('bad setting: LOG_LEVEL must be one of');
  });
});

describe('graceful stop', () => {
  it('serves /healthz and /metrics from the worker, and stops it on SIGTERM after the jobs in hand, exit 0', async () => {
    const port = await freePort();
    const worker = run('worker', { LOG_LEVEL: 'info', WORKER_PORT: String(port) });
    await waitUntil(
      () => worker.output().includes('worker started'),
      60_000,
      () => 'the worker to start',
      { abort: () => (worker.alive() ? null : worker.output()) },
    );
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('ingest_aggregated_samples_total{system="http-redis"} 0');
    expect(metrics).toContain('process_cpu_seconds_total{system="http-redis"}');
    expect(await worker.stop(15_000)).toBe(0);
    const output = worker.output();
    expect(output).toMatch(/"signal":"SIGTERM".*"msg":"stopping"/);
    expect(output).toMatch(/"processed":0.*"msg":"stopped"/);
  });

  it('stops the server on SIGINT after closing its listeners, exit 0', async () => {
    const [http, h2c, https] = [await freePort(), await freePort(), await freePort()];
    const server = run('server', {
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      HTTP_PORT: String(http),
      H2C_PORT: String(h2c),
      HTTPS_PORT: String(https),
    });
    await waitUntil(
      () => answers(`http://127.0.0.1:${http}/readyz`),
      60_000,
      () => 'the server',
      { abort: () => (server.alive() ? null : server.output()) },
    );
    expect(await server.stop(15_000, 'SIGINT')).toBe(0);
    expect(server.output()).toMatch(/"signal":"SIGINT".*"msg":"stopping"/);
    expect(server.output()).toContain('"msg":"stopped"');
    expect(await answers(`http://127.0.0.1:${http}/healthz`)).toBe(false);
  });
});

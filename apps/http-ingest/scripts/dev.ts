// `pnpm dev:http`: System 1 for development. Uses the Redis at REDIS_URL when one answers, else starts
// a private one (append-only data kept in .dev-redis/); then the server and one worker (both reloading
// on change) and a small fleet (100 simulated servers, 1 sample/s each, each on its own HTTP/1.1
// keep-alive connection). Ctrl-C stops them in order: producer (drains and prints its summary),
// server and worker, then Redis.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChildGroup, reuseOrStartRedis, waitUntil } from '@ingestlab/devkit';

if (process.argv.includes('--help')) {
  console.log(`Usage: pnpm dev:http  (or: pnpm --filter @ingestlab/http-ingest dev:all [--no-producer])
Starts Redis if none answers at REDIS_URL (default redis://127.0.0.1:6379), the System 1 server
(http://127.0.0.1:3001, h2c :3002, https :3443) and one worker with reload on change, and a small
fleet: 100 simulated servers, one connection each. Environment is passed through (see
src/config.ts). Ctrl-C stops everything.`);
  process.exit(0);
}

const appDir = join(import.meta.dirname, '..');
// Own process groups: Ctrl-C reaches only this script, which then stops the parts in order.
const group = new ChildGroup({ echo: true, detached: true, graceMs: 8000 });
let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await group.stop().catch((error: unknown) => console.error('[dev]', (error as Error).message));
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main(): Promise<void> {
  const wanted = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dir = join(appDir, '.dev-redis');
  mkdirSync(dir, { recursive: true });
  const redis = await reuseOrStartRedis(wanted, { dir, appendOnly: true });
  if (redis.started) {
    group.onStop(() => redis.started?.stop(), 'redis');
    console.log(`[dev] started redis-server on ${redis.url} (append-only data in ${dir})`);
  } else {
    console.log(`[dev] using the Redis at ${redis.url}`);
  }
  const env = { ...process.env, REDIS_URL: redis.url };
  const tsxWatch = (name: string, entry: string) =>
    group.start(name, 'pnpm', ['exec', 'tsx', 'watch', '--conditions=source', entry], { cwd: appDir, env });
  tsxWatch('server', 'src/server.ts');
  tsxWatch('worker', 'src/worker.ts');
  const httpPort = process.env.HTTP_PORT ?? '3001';
  await waitUntil(
    async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok,
    60_000,
    () => `the server on port ${httpPort}`,
    {
      intervalMs: 250,
      abort: () => group.died(),
    },
  );
  console.log(`[dev] System 1 ready: http://127.0.0.1:${httpPort}/stats, /live, /metrics`);
  if (process.argv.includes('--no-producer')) return;
  const token = process.env.INGEST_TOKEN ? ['--token', process.env.INGEST_TOKEN] : [];
  group.start(
    'producer',
    // node itself with tsx as a loader, not the tsx CLI: the CLI relays Ctrl-C to its child and could
    // kill it before the producer had drained and printed its summary.
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      '../../packages/producers/src/cli.ts',
      '--target',
      'http1',
      '--url',
      `http://127.0.0.1:${httpPort}`,
      '--hosts',
      '100',
      '--connections',
      'per-host',
      '--duration',
      '0',
      ...token,
    ],
    { cwd: appDir, env, stopSignal: 'SIGINT' },
  );
}

main().catch((error: unknown) => {
  console.error('[dev] failed:', (error as Error).message);
  void stopAll(1);
});

// `pnpm dev:http`: System 1 for development. Uses the Redis at REDIS_URL when one answers, else starts
// a private one (data kept in .dev-redis/); then the server and one worker (both reloading on change)
// and a small producer (100 hosts, 1 sample/s each, over HTTP/1.1). Ctrl-C stops everything.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  findRedisServer,
  type ManagedProcess,
  type PrivateRedis,
  REDIS_INSTALL_HINT,
  redisAnswers,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';

if (process.argv.includes('--help')) {
  console.log(`Usage: pnpm dev:http  (or: pnpm --filter @ingestlab/http-ingest dev:all [--no-producer])
Starts Redis if none answers at REDIS_URL (default redis://127.0.0.1:6379), the System 1 server
(http://127.0.0.1:3001, h2c :3002, https :3443) and one worker with reload on change, and a small
producer. Environment is passed through (see src/config.ts). Ctrl-C stops everything.`);
  process.exit(0);
}

const appDir = join(import.meta.dirname, '..');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const children: ManagedProcess[] = [];
let redis: PrivateRedis | null = null;
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // Producer first (no more load), then server and worker (they drain), then Redis.
    for (const child of [...children].reverse()) await child.stop(8000);
    await redis?.stop();
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main(): Promise<void> {
  if (await redisAnswers(redisUrl)) {
    console.log(`[dev] using the Redis at ${redisUrl}`);
  } else {
    if (!findRedisServer()) {
      console.error(`[dev] no Redis answers at ${redisUrl}, and ${REDIS_INSTALL_HINT}`);
      process.exit(1);
    }
    const { port, hostname } = new URL(redisUrl);
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') {
      console.error(`[dev] no Redis answers at ${redisUrl}; start it, or unset REDIS_URL for a local one`);
      process.exit(1);
    }
    const dir = join(appDir, '.dev-redis');
    mkdirSync(dir, { recursive: true });
    redis = await startRedis({ port: Number(port || 6379), dir, appendOnly: true });
    console.log(`[dev] started redis-server on ${redis.url} (append-only data in ${dir})`);
  }
  const env = { ...process.env, REDIS_URL: redisUrl };
  const tsx = (name: string, args: string[]) => {
    const child = startProcess(name, 'pnpm', ['exec', 'tsx', ...args], { cwd: appDir, env, echo: true });
    children.push(child);
    void child.exited.then((code) => {
      if (!stopping && !args.includes('watch')) console.log(`[dev] ${name} exited (${code})`);
    });
    return child;
  };
  tsx('server', ['watch', '--conditions=source', 'src/server.ts']);
  tsx('worker', ['watch', '--conditions=source', 'src/worker.ts']);
  const httpPort = process.env.HTTP_PORT ?? '3001';
  await waitUntil(
    async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok,
    60_000,
    () => `the server on port ${httpPort}`,
    250,
  );
  console.log(`[dev] System 1 ready: http://127.0.0.1:${httpPort}/stats, /live, /metrics`);
  if (!process.argv.includes('--no-producer')) {
    const producerArgs = [
      '--target',
      'http1',
      '--url',
      `http://127.0.0.1:${httpPort}`,
      '--hosts',
      '100',
      '--duration',
      '0',
    ];
    if (process.env.INGEST_TOKEN) producerArgs.push('--token', process.env.INGEST_TOKEN);
    const producer = startProcess(
      'producer',
      'pnpm',
      ['--silent', '--filter', '@ingestlab/producers', 'produce', ...producerArgs],
      { cwd: appDir, env, echo: true },
    );
    children.push(producer);
  }
}

main().catch((error: unknown) => {
  console.error('[dev] failed:', error);
  void stopAll(1);
});

// `pnpm dev:ws`: System 2 in watch mode plus a small fleet (200 simulated servers at 1 sample/s
// each, each on its own WebSocket) from @ingestlab/producers. No Redis needed. Ctrl-C stops the
// producer (it drains and prints its summary), then the server.
import { join } from 'node:path';
import { ChildGroup, waitForPort } from '@ingestlab/devkit';

if (process.argv.includes('--help')) {
  console.log(`Usage: pnpm dev:ws  (or: pnpm --filter @ingestlab/ws-ingest dev:all [--no-producer])
Runs ws-ingest with reload on change (ws://127.0.0.1:3003/ingest, /live, /live/sse, /stats) and a
fleet of 200 simulated servers against it, one WebSocket each. Environment as for the server
(WS_PORT, HOST, INGEST_TOKEN, ...).`);
  process.exit(0);
}

const appDir = join(import.meta.dirname, '..');
const port = Number(process.env.WS_PORT ?? 3003);
const host = process.env.HOST ?? '127.0.0.1';
// Own process groups: Ctrl-C reaches only this script, which then stops the parts in order.
const group = new ChildGroup({ echo: true, detached: true, graceMs: 10_000 });
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await group.stop().catch((error: unknown) => console.error('[dev]', (error as Error).message));
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

const env = { ...process.env, WS_PORT: String(port), HOST: host };
group.start('ws-ingest', 'pnpm', ['exec', 'tsx', 'watch', '--conditions=source', 'src/server.ts'], {
  cwd: appDir,
  env,
});
try {
  await waitForPort(port, host === '0.0.0.0' ? '127.0.0.1' : host, 30_000);
} catch (error) {
  console.error(`[dev] ${(error as Error).message}\n${group.died() ?? ''}`);
  await stop(1);
}
const target = `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
console.log(
  `[dev] ws-ingest on ${target.replace('ws:', 'http:')} (live: /live, /live/sse, stats: /stats). Ctrl-C stops.`,
);
if (!process.argv.includes('--no-producer')) {
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
      'ws',
      '--url',
      target,
      '--hosts',
      '200',
      '--rate',
      '1/s',
      '--connections',
      'per-host',
      '--duration',
      '0',
      ...token,
    ],
    { cwd: appDir, env, stopSignal: 'SIGINT' },
  );
}

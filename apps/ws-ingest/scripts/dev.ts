// `pnpm dev:ws`: System 2 in watch mode plus a small producer fleet (200 hosts at 1 sample/s each)
// from @ingestlab/producers. No Redis needed. Ctrl-C stops both.
import { startProcess, waitForPort } from '@ingestlab/devkit';

if (process.argv.includes('--help')) {
  process.stdout.write(
    'dev.ts: runs ws-ingest (tsx watch) and a 200-host producer against it; env as for the server (WS_PORT, HOST, ...)\n',
  );
  process.exit(0);
}

const port = Number(process.env.WS_PORT ?? 3003);
const host = process.env.HOST ?? '127.0.0.1';
const server = startProcess('ws-ingest', 'tsx', ['watch', '--conditions=source', 'src/server.ts'], {
  echo: true,
  env: { ...process.env, WS_PORT: String(port), HOST: host },
});
await waitForPort(port, host, 30_000);
const target = `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
const token = process.env.INGEST_TOKEN ? ['--token', process.env.INGEST_TOKEN] : [];
const producer = startProcess(
  'producer',
  'tsx',
  [
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
    '--duration',
    '0',
    ...token,
  ],
  { echo: true },
);
process.stdout.write(
  `ws-ingest on http://${host}:${port} (live: /live, /live/sse, stats: /stats). Ctrl-C stops.\n`,
);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await producer.stop();
  await server.stop(10_000);
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
void producer.exited.then((code) => {
  if (!stopping) process.stdout.write(`producer exited (${code}); the server keeps running\n`);
});

// A server for the ingest benchmark, in its own process: `app` is System 2 built from source,
// `baseline` is a bare `ws` server that parses each frame and acks its seq (no validation, no
// aggregation): the ceiling of the socket path on this machine.
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const mode = process.argv[2];
if (mode === 'baseline') {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    perMessageDeflate: false,
    maxPayload: 1024 * 1024,
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const batch = JSON.parse(String(data)) as { seq: number; samples: unknown[] };
      socket.send(`{"type":"ack","seq":${batch.seq},"accepted":${batch.samples.length},"duplicate":false}`);
    });
  });
  wss.on('listening', () => {
    const address = wss.address();
    process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
} else if (mode === 'app') {
  const config = loadConfig({
    ...process.env,
    WS_PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_SAMPLES_PER_SEC: '0',
  });
  const app = await buildApp(config, { logger: pino({ level: 'warn' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  process.stdout.write(`PORT ${typeof address === 'object' && address ? address.port : 0}\n`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  process.stderr.write('usage: bench-server.ts app|baseline\n');
  process.exit(2);
}

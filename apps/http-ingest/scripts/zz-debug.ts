import { startRedis } from '@ingestlab/devkit';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createServices } from '../src/services.js';
import { startFoldWorker } from '../src/fold-worker.js';
const r = await startRedis();
const config = loadConfig({ REDIS_URL: r.url, WINDOW_MS: '250', LOG_LEVEL: 'debug' });
const logger = pino({ level: 'debug' });
const s = createServices(config, logger, { defaultMetrics: false });
const w = startFoldWorker(config, logger);
await new Promise((res) => setTimeout(res, 500));
console.log(
  await s.committer.add({
    producer: 'a',
    seq: 1,
    samples: 1,
    json: JSON.stringify({
      producer: 'a',
      seq: 1,
      samples: [{ host: 'h', ts: Date.now(), cpu: 1, mem: 2, disk: 3, netIn: 4, netOut: 5 }],
    }),
  }),
);
await new Promise((res) => setTimeout(res, 1500));
console.log(await s.stats(), JSON.stringify((await s.store.history(10)).filter((w) => w.samples > 0)));
await w.close();
await s.close();
await r.stop();

// `pnpm --filter @ingestlab/dashboard bench:decode`: what a live window frame costs the real dashboard
// in headless Chromium, with JSON and with MessagePack frames from System 2 under a producer fleet.
// For each encoding it opens the page on that encoding and reports the mean bytes per window frame
// and the decode time per frame: live (each frame timed as it arrives) and repeated (the last real
// frame decoded many times, for a steady mean and p99), then the MessagePack/JSON ratios.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  chromiumLaunchOptions,
  freePort,
  integerFlag,
  type ManagedProcess,
  scriptArgs,
  startProcess,
  UsageError,
  waitUntil,
} from '@ingestlab/devkit';
import type { Encoding } from '@ingestlab/metric-schema';
import { runLoad } from '@ingestlab/producers';
import { chromium, type Page } from 'playwright-core';
import type { DashboardProbe } from '../src/main.js';
import { serveDashboard } from '../serve.js';
import { buildPage, packageDir } from '../test/support/browser.js';

const ENCODINGS: Encoding[] = ['json', 'msgpack'];
/** Window frames a fresh page receives before the live figures start. */
const WARM_UP_FRAMES = 5;

const HELP = `Usage: pnpm --filter @ingestlab/dashboard bench:decode [-- options]
Bytes and browser decode time per live window frame, JSON against MessagePack, on the real
dashboard in headless Chromium watching System 2 under a producer fleet.
  --s2 <url>        a running System 2 (http://host:port); default: start one from source on a free port
  --hosts <n>       simulated hosts sending one sample a second while measuring   (default 1000)
  --frames <n>      live window frames to time per encoding, after ${WARM_UP_FRAMES} to warm up (1-50) (default 30)
  --repeat <n>      decodes of the last real frame, per encoding, for the repeated figure (default 5000)
  -h, --help        this text
The page is served cross-origin isolated (COOP/COEP added to the page's answer) so that
performance.now() is precise to about 5 µs instead of 100 µs. Prints one line per encoding and a
JSON summary at the end; kills everything it started when done or on Ctrl-C.`;

interface Figures {
  encoding: Encoding;
  frames: number;
  bytesPerFrame: number;
  live: { meanUs: number; maxUs: number };
  repeated: { decodes: number; meanUs: number; p50Us: number; p99Us: number };
  binaryFrames: number;
  protocol: string;
}

function options() {
  const { values } = parseArgs({
    args: scriptArgs(),
    options: {
      s2: { type: 'string' },
      hosts: { type: 'string', default: '1000' },
      frames: { type: 'string', default: '30' },
      repeat: { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.s2 !== undefined && !/^http:\/\/[^/]+$/.test(values.s2.replace(/\/$/, '')))
    throw new UsageError(`--s2 must be an http://host:port URL, got ${JSON.stringify(values.s2)}`);
  return {
    help: values.help,
    s2: values.s2?.replace(/\/$/, ''),
    hosts: integerFlag('--hosts', values.hosts, 1, 100_000),
    frames: integerFlag('--frames', values.frames, 1, 50),
    repeat: integerFlag('--repeat', values.repeat, 100, 1_000_000),
  };
}

const probe = <T>(page: Page, read: string): Promise<T> =>
  page.evaluate((source) => new Function('d', `return ${source}`)(window.__dashboard) as T, read);

async function startSystem2(): Promise<{ base: string; server: ManagedProcess }> {
  const port = await freePort();
  const server = startProcess(
    's2',
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'apps/ws-ingest/src/server.ts'],
    {
      cwd: join(packageDir, '..', '..'),
      env: { ...process.env, HOST: '127.0.0.1', WS_PORT: String(port), LOG_LEVEL: 'warn' },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (!server.alive()) throw new Error(`System 2 exited: ${server.output().slice(-1500)}`);
      return (await fetch(`${base}/readyz`).catch(() => null))?.ok === true;
    },
    60_000,
    () => 'System 2 ready',
    200,
  );
  return { base, server };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const us = (ms: number) => Math.round(ms * 10_000) / 10;

async function measure(
  page: Page,
  url: string,
  encoding: Encoding,
  frames: number,
  repeat: number,
): Promise<Figures> {
  await page.goto(`${url}&encoding=${encoding}`);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated)
    console.error('[bench] warning: the page is not cross-origin isolated; times are rounded to ~100 µs');
  const framesOnPage = async (what: 'frames' | 'count', atLeast: number) => {
    await waitUntil(
      async () => (await probe<number>(page, `d.encodings().s2.cost.${encoding}.${what}`)) >= atLeast,
      atLeast * 1000 + 60_000,
      () => `${atLeast} ${encoding} window frames on the page`,
      500,
    ).catch(async (error: Error) => {
      const has = await probe(page, 'd && { feeds: d.feeds(), encodings: d.encodings() }').catch(
        (e: Error) => e.message,
      );
      throw new Error(`${error.message} (the page has ${JSON.stringify(has)})`);
    });
  };
  // A fresh page's first frames pay for compiling the decoder: left out, as on a page open a while.
  await framesOnPage('frames', WARM_UP_FRAMES);
  await probe(page, 'd.resetFrameCost()');
  await framesOnPage('count', frames);
  const seen = await probe<ReturnType<DashboardProbe['encodings']>['s2']>(page, 'd.encodings().s2');
  const cost = seen.cost[encoding];
  const times = await probe<number[] | null>(page, `d.decodeTimes('s2', '${encoding}', ${repeat})`);
  if (!times) throw new Error(`no ${encoding} frame to decode again`);
  // the first tenth warms the decoder up (JIT); it is left out of the repeated figures
  const steady = times.slice(Math.floor(times.length / 10)).sort((a, b) => a - b);
  const mean = steady.reduce((sum, t) => sum + t, 0) / steady.length;
  return {
    encoding,
    frames: cost.count,
    bytesPerFrame: Math.round(cost.bytesMean ?? 0),
    live: { meanUs: us(cost.decodeMean ?? 0), maxUs: us(cost.decodeMax ?? 0) },
    repeated: {
      decodes: steady.length,
      meanUs: us(mean),
      p50Us: us(quantile(steady, 0.5)),
      p99Us: us(quantile(steady, 0.99)),
    },
    binaryFrames: seen.binaryFrames,
    protocol: seen.protocol,
  };
}

async function run(): Promise<void> {
  const opts = options();
  if (opts.help) {
    console.log(HELP);
    return;
  }
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    console.error('[bench] building the page');
    const dist = await buildPage();
    cleanups.push(async () => (await import('node:fs')).rmSync(dist, { recursive: true, force: true }));
    let s2 = opts.s2;
    if (!s2) {
      console.error('[bench] starting System 2 from source');
      const started = await startSystem2();
      cleanups.push(() => started.server.stop());
      s2 = started.base;
    }
    // System 1 is not part of this measurement. Its column watches System 2 as well (and says so in red:
    // it expected System 1), so the page's proxy is not left retrying a closed port; only s2 is read.
    const served = await serveDashboard({ root: dist, port: 0, upstreams: { s1: s2, s2 } });
    cleanups.push(() => served.close());
    const launch = chromiumLaunchOptions();
    // A cross-origin isolated page's WebSockets to 127.0.0.1 trip Chromium's local-network checks
    // (the page is on 127.0.0.1 too, but isolation makes it count as a stranger); off for this bench.
    launch.args.push('--disable-features=LocalNetworkAccessChecks');
    const browser = await chromium.launch(launch);
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`[page console] ${message.text()}`);
    });
    // Cross-origin isolation for a precise clock: the page's own answer gains COOP and COEP.
    await page.route(
      (url) => url.pathname === '/' || url.pathname.endsWith('.html'),
      async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: {
            ...response.headers(),
            'cross-origin-opener-policy': 'same-origin',
            'cross-origin-embedder-policy': 'require-corp',
          },
        });
      },
    );

    const stopLoad = new AbortController();
    console.error(`[bench] ${opts.hosts} hosts sending to System 2 at ${s2}`);
    const load = runLoad({
      target: 'ws',
      url: s2.replace(/^http/, 'ws'),
      hosts: opts.hosts,
      intervalMs: 1000,
      durationMs: 0,
      signal: stopLoad.signal,
    });
    cleanups.push(async () => {
      stopLoad.abort();
      await load;
    });

    const results: Figures[] = [];
    for (const encoding of ENCODINGS) {
      console.error(`[bench] ${encoding}: waiting for ${opts.frames} window frames`);
      const figures = await measure(page, `${served.url}?range=1m`, encoding, opts.frames, opts.repeat);
      results.push(figures);
      console.log(
        `${encoding.padEnd(8)} ${figures.bytesPerFrame} B/frame over ${figures.frames} frames · live decode mean ${figures.live.meanUs} µs, max ${figures.live.maxUs} µs · repeated (${figures.repeated.decodes}×) mean ${figures.repeated.meanUs} µs, p50 ${figures.repeated.p50Us} µs, p99 ${figures.repeated.p99Us} µs · load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
    const [json, msgpack] = results as [Figures, Figures];
    const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
    const summary = {
      results,
      msgpackOverJson: {
        bytesPerFrame: ratio(msgpack.bytesPerFrame, json.bytesPerFrame),
        liveDecodeMean: ratio(msgpack.live.meanUs, json.live.meanUs),
        repeatedDecodeMean: ratio(msgpack.repeated.meanUs, json.repeated.meanUs),
        repeatedDecodeP99: ratio(msgpack.repeated.p99Us, json.repeated.p99Us),
      },
      hosts: opts.hosts,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
    console.log(
      `msgpack/json: bytes ${summary.msgpackOverJson.bytesPerFrame}× · decode mean ${summary.msgpackOverJson.repeatedDecodeMean}× (live ${summary.msgpackOverJson.liveDecodeMean}×) · decode p99 ${summary.msgpackOverJson.repeatedDecodeP99}×`,
    );
    console.log(JSON.stringify(summary, null, 2));
  } finally {
    await cleanUp();
  }
}

run().catch((error: Error) => {
  console.error(error instanceof UsageError ? `${error.message}\n\n${HELP}` : error.stack);
  process.exit(error instanceof UsageError ? 2 : 1);
});

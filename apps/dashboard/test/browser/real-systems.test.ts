// The page in headless Chromium against both real systems (from source, private Redis, a worker)
// with producers: windows reach both columns, on-screen numbers match /stats and the frames, an
// outage of System 2 shows as reconnecting while System 1 keeps updating, and it recovers.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@ingestlab/devkit';
import type { Stats, Window as MetricWindow } from '@ingestlab/metric-schema';
import { DEMO_SCHEDULE, runLoad } from '@ingestlab/producers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DashboardProbe } from '../../src/main.js';
import { serveDashboard, type ServedDashboard } from '../../serve.js';
import { buildPage, launchChromium, packageDir } from '../support/browser.js';
import { type RealSystems, startRealSystems } from '../support/systems.js';

const reports = join(packageDir, '.reports');
let dist: string;
let browser: Browser;
let systems: RealSystems;
let served: ServedDashboard;
let page: Page;
const pageErrors: string[] = [];
/** Window frames System 1 sent to a plain WebSocket viewer of our own, by window start. */
const s1Frames = new Map<number, MetricWindow>();
/** Our own viewer's delivery delay per window (arrival minus window end), by window start. */
const s1Delays = new Map<number, number>();
let s1Viewer: WebSocket;

const feeds = () => page.evaluate(() => (window as { __dashboard?: DashboardProbe }).__dashboard!.feeds());
const stats = async (base: string): Promise<Stats> => (await fetch(`${base}/stats`)).json() as Promise<Stats>;

beforeAll(async () => {
  mkdirSync(reports, { recursive: true });
  [dist, browser, systems] = await Promise.all([buildPage(), launchChromium(), startRealSystems()]);
  served = await serveDashboard({
    root: dist,
    port: 0,
    upstreams: { s1: systems.s1.base, s2: systems.s2.base },
  });
  s1Viewer = new WebSocket(`${systems.s1.base.replace('http', 'ws')}/live`);
  s1Viewer.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; window?: MetricWindow };
    if (frame.type === 'window' && frame.window) {
      s1Frames.set(frame.window.start, frame.window);
      s1Delays.set(frame.window.start, Date.now() - frame.window.end);
    }
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${served.url}?range=1m`);
}, 120_000);

afterAll(async () => {
  s1Viewer?.close();
  await page?.close();
  await browser?.close();
  await served?.close();
  await systems?.stop();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

it('shows both real systems live, with numbers that match /stats and the frames', async () => {
  await page.getByTestId('s1-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('s2-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });

  // 300 simulated servers per system, each on its own connection, one sample a second
  const load = { hosts: 300, intervalMs: 1000, batchSize: 1, durationMs: 15_000, incidents: DEMO_SCHEDULE };
  const runs = Promise.all([
    runLoad({ ...load, target: 'http1', url: systems.s1.base }),
    runLoad({ ...load, target: 'ws', url: systems.s2.base.replace('http', 'ws'), seed: 8 }),
  ]);

  // Mid-run: the newest window on screen for System 1 is the one its frames carried.
  const lastSamples = page.getByTestId('s1-last-samples');
  await waitUntil(
    async () => Number(await lastSamples.getAttribute('data-value')) > 0,
    20_000,
    () => 'S1 windows with samples',
  );
  await waitUntil(
    async () => Number(await page.getByTestId('s2-last-samples').getAttribute('data-value')) > 0,
    20_000,
  );
  // Figure, text and window start read at once, so a window arriving in between cannot mix them.
  const { start, shown, text } = await page.evaluate(() => {
    const node = document.querySelector<HTMLElement>('[data-testid="s1-last-samples"]');
    return {
      start: Number(node?.dataset.start),
      shown: Number(node?.dataset.value),
      text: node?.textContent,
    };
  });
  await waitUntil(
    () => s1Frames.has(start),
    5000,
    () => `S1 frame for window ${start}`,
  );
  expect(shown).toBe(s1Frames.get(start)?.samples);
  expect(text).toBe(shown.toLocaleString('en-US'));

  await new Promise((r) => setTimeout(r, 8000));
  const screenshot = join(reports, 'dashboard.png');
  await page.screenshot({ path: screenshot });
  console.log(`screenshot: ${screenshot}`);

  const [s1Load, s2Load] = await runs;
  // Drained: each system took in exactly what its producers had acknowledged, and aggregated it.
  for (const [id, base, summary] of [
    ['s1', systems.s1.base, s1Load],
    ['s2', systems.s2.base, s2Load],
  ] as const) {
    expect(summary.samples.acknowledged).toBeGreaterThan(0);
    await waitUntil(
      async () => {
        const s = await stats(base);
        return s.accepted === summary.samples.acknowledged && s.aggregated === s.accepted;
      },
      30_000,
      () => `${id} drained to ${summary.samples.acknowledged}`,
    );
    const accepted = page.getByTestId(`${id}-accepted`);
    const aggregated = page.getByTestId(`${id}-aggregated`);
    // Both from the page's next /stats poll: one taken before the worker caught up shows the final
    // accepted count beside a smaller aggregated one.
    let shown: (string | null)[] = [];
    await waitUntil(
      async () => {
        shown = [await accepted.getAttribute('data-value'), await aggregated.getAttribute('data-value')];
        return shown.every((value) => Number(value) === summary.samples.acknowledged);
      },
      20_000,
      () =>
        `${id} on screen to show accepted = aggregated = ${summary.samples.acknowledged} (it shows ${JSON.stringify(shown)})`,
    );
    expect(await accepted.textContent()).toBe(summary.samples.acknowledged.toLocaleString('en-US'));
    expect(await page.getByTestId(`${id}-aggregated`).textContent()).toBe(
      summary.samples.acknowledged.toLocaleString('en-US'),
    );
  }
  const points = await page.evaluate(() =>
    (window as { __dashboard?: DashboardProbe }).__dashboard!.points(),
  );
  expect(points.s1.cpu).toBeGreaterThan(10);
  expect(points.s2.cpu).toBeGreaterThan(10);
  expect(points.s1.delivery).toBeGreaterThan(10);

  // delivery delay: both systems show one, and System 1's agrees with a viewer of our own on the same
  // machine (the page's path adds the dashboard's proxy hop, no more)
  const delivery = await page.evaluate(() =>
    (window as { __dashboard?: DashboardProbe }).__dashboard!.delivery(),
  );
  for (const id of ['s1', 's2'] as const) {
    expect(delivery[id].count).toBeGreaterThan(10);
    const tile = Number(await page.getByTestId(`${id}-delivery`).getAttribute('data-value'));
    expect(tile).toBeGreaterThanOrEqual(0);
    expect(tile).toBeLessThan(5000);
  }
  const ours = [...s1Delays.values()].sort((a, b) => a - b);
  const ourMedian = ours[Math.floor(ours.length / 2)] ?? 0;
  expect(Math.abs((delivery.s1.p50 ?? 0) - ourMedian)).toBeLessThan(150);
}, 180_000);

it('shows System 2 reconnecting while System 1 keeps updating, then recovers', async () => {
  await systems.s2.server.kill();
  await page
    .getByTestId('s2-status')
    .filter({ hasText: /reconnecting|offline/ })
    .waitFor({ timeout: 15_000 });
  expect(await page.getByTestId('s2-status').textContent()).toBe('reconnecting');
  const before = await feeds();
  await waitUntil(
    async () => (await feeds()).s1.windowFrames >= before.s1.windowFrames + 3,
    15_000,
    () => 'S1 windows during the outage',
  );
  expect(await page.getByTestId('s1-status').textContent()).toBe('live');
  expect((await feeds()).s2.windowFrames).toBe(before.s2.windowFrames);
  await page.screenshot({ path: join(reports, 'dashboard-outage.png') });

  await systems.restartS2();
  await page.getByTestId('s2-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
  await waitUntil(
    async () => (await feeds()).s2.windowFrames >= before.s2.windowFrames + 2,
    15_000,
    () => 'S2 windows after restart',
  );
  expect(pageErrors).toEqual([]);
}, 120_000);

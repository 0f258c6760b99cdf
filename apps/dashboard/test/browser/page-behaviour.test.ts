// The page in headless Chromium against contract-speaking stand-ins publishing 10 windows/s each:
// redraw cost, bounded points, history resync, pause, transport switch, CSV, and bad frames.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@ingestlab/devkit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardProbe } from '../../src/main.js';
import { SECURITY_HEADERS } from '../../security-headers.js';
import { serveDashboard, type ServedDashboard } from '../../serve.js';
import { buildPage, launchChromium, packageDir } from '../support/browser.js';
import { type FakeSystem, startFakeSystem } from '../support/fake-system.js';

const reports = join(packageDir, '.reports');
let dist: string;
let browser: Browser;
const cleanups: (() => Promise<unknown>)[] = [];

declare global {
  interface Window {
    __dashboard?: DashboardProbe;
  }
}

const probe = <T>(page: Page, read: (d: DashboardProbe) => T): Promise<T> =>
  page.evaluate((source) => {
    const fn = new Function('d', `return (${source})(d)`) as (d: unknown) => T;
    return fn(window.__dashboard);
  }, read.toString());

async function openPage(served: ServedDashboard, query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  cleanups.push(async () => {
    await page.close();
    expect(errors, 'uncaught errors in the page').toEqual([]);
  });
  await page.goto(`${served.url}${query}`);
  return page;
}

beforeAll(async () => {
  mkdirSync(reports, { recursive: true });
  dist = await buildPage();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await browser?.close();
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('against stand-in systems at 10 windows/s each', () => {
  let s1: FakeSystem;
  let s2: FakeSystem;
  let served: ServedDashboard;
  let page: Page;

  beforeAll(async () => {
    s1 = await startFakeSystem({ system: 'http-redis', windowMs: 100, keep: 2000 });
    s2 = await startFakeSystem({ system: 'ws-memory', windowMs: 100, keep: 2000 });
    served = await serveDashboard({ root: dist, port: 0, upstreams: { s1: s1.base, s2: s2.base } });
    cleanups.push(
      () => s1.close(),
      () => s2.close(),
      () => served.close(),
    );
    // Let the stand-ins build up history, so the page has to fetch it after the snapshot.
    await new Promise((r) => setTimeout(r, 8000));
    page = await openPage(served);
  }, 60_000);

  it('goes live on both, and fills the range from /api/history beyond the snapshot', async () => {
    await page.getByTestId('s1-status').filter({ hasText: 'live' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('s2-status').filter({ hasText: 'live' }).waitFor({ timeout: 20_000 });
    // The snapshot carries 60 windows; anything beyond that came from /api/history.
    await waitUntil(
      async () => (await probe(page, (d) => Math.min(d.feeds().s1.held, d.feeds().s2.held))) > 70,
      20_000,
      () => 'history merged on both systems',
    );
  }, 60_000);

  it('loads with no failed request or console error, the top-hosts table inside its card', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const problems: string[] = [];
    fresh.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    fresh.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
    try {
      await fresh.goto(served.url);
      await fresh.getByTestId('s1-status').filter({ hasText: 'live' }).waitFor({ timeout: 20_000 });
      await fresh.getByTestId('s1-top-hosts').locator('tbody tr').first().waitFor({ timeout: 10_000 });
      for (const id of ['s1', 's2']) {
        const inCard = await fresh
          .getByTestId(`${id}-top-hosts`)
          .evaluate((table) => table.parentElement?.matches('figure.chart-card') ?? false);
        expect(inCard, `${id} top-hosts table inside its card`).toBe(true);
      }
      // The browser asks for an icon on every load: it must be there (it was a 404 in the console).
      expect(problems).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('sends the security headers nginx sends on the page, its files and a 404', async () => {
    const paths = ['', 'config.js', 'favicon.svg', 'assets/missing.js'];
    for (const path of paths) {
      const answer = await fetch(`${served.url}${path}`);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        expect(answer.headers.get(name), `${name} on /${path}`).toBe(value);
      }
    }
  });

  it('redraws at a bounded cost with bounded points, batched to animation frames', async () => {
    // 1m is the most demanding range: charts redraw every 200 ms (one pixel's worth of time).
    await page.getByTestId('range-1m').click();
    await new Promise((r) => setTimeout(r, 1000));
    await probe(page, (d) => d.resetCost());
    const read = () =>
      probe(page, (d) => ({
        draws: d.draws(),
        chartDraws: d.chartDraws(),
        frames: d.feeds(),
        cost: d.cost(),
        points: d.points(),
      }));
    const before = await read();
    const seconds = 10;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await read();
    const windows =
      after.frames.s1.windowFrames -
      before.frames.s1.windowFrames +
      after.frames.s2.windowFrames -
      before.frames.s2.windowFrames;
    const draws = after.draws - before.draws;
    const chartDraws = after.chartDraws - before.chartDraws;
    // ~200 window frames in 10 s; updates are batched, so there are fewer updates than frames,
    // and at most one chart redraw per system per 200 ms. The lower bounds only prove the page was
    // live (a machine loaded by other work starves a headless page of frames, not of correctness).
    expect(windows).toBeGreaterThan(30);
    expect(draws).toBeGreaterThan(5);
    expect(draws).toBeLessThan(windows);
    expect(chartDraws).toBeGreaterThan(4);
    expect(chartDraws).toBeLessThanOrEqual(2 * 5 * seconds + 4);
    for (const id of ['s1', 's2'] as const) {
      for (const count of Object.values(after.points[id])) expect(count).toBeLessThanOrEqual(300);
    }
    const busyMsPerSecond = (after.cost.mean * after.cost.count) / seconds;
    const figure = {
      range: '1m',
      windowsPerSecondPerSystem: 10,
      seconds,
      windows,
      draws,
      chartDraws,
      costMs: after.cost,
      busyMsPerSecond,
    };
    writeFileSync(join(reports, 'update-cost.json'), `${JSON.stringify(figure, null, 2)}\n`);
    console.log(`update cost: ${JSON.stringify(figure)}`);
    // The cost in milliseconds is a figure for the report, not a pass mark (it measures the machine
    // as much as the page); what would make it grow (points per line, redraws per frame) is bounded
    // above.
    await page.getByTestId('range-5m').click();
  }, 60_000);

  it('shows the last window the frames carried', async () => {
    // Read the figure and its window start in one go: at 10 windows/s they change between calls.
    const read = () =>
      page.evaluate(() => {
        const node = document.querySelector<HTMLElement>('[data-testid="s2-last-samples"]');
        return {
          start: node?.dataset.start ?? '',
          value: node?.dataset.value ?? '',
          text: node?.textContent ?? '',
        };
      });
    await waitUntil(async () => (await read()).start !== '', 10_000);
    const shown = await read();
    const window = s2.published.find((w) => w.start === Number(shown.start));
    expect(window, `window ${shown.start} was published`).toBeDefined();
    expect(shown.value).toBe(String(window?.samples));
    expect(shown.text).toBe(String(window?.samples));
  });

  it('freezes charts while paused and resumes', async () => {
    await page.getByTestId('pause').click();
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('paused'))).toBe(true);
    const frozen = await probe(page, (d) => d.lastDrawn());
    await new Promise((r) => setTimeout(r, 1500));
    expect(await probe(page, (d) => d.lastDrawn())).toEqual(frozen);
    await page.getByTestId('pause').click();
    await waitUntil(
      async () => ((await probe(page, (d) => d.lastDrawn().s1)) ?? 0) > (frozen.s1 ?? 0),
      10_000,
    );
  }, 30_000);

  it('switches to Server-Sent Events and keeps receiving', async () => {
    await page.getByTestId('transport-sse').click();
    await waitUntil(
      () => s1.sseViewers() === 1 && s2.sseViewers() === 1,
      15_000,
      () => 'SSE viewers on both',
    );
    const before = await probe(page, (d) => d.feeds());
    await waitUntil(
      async () => {
        const now = await probe(page, (d) => d.feeds());
        return (
          now.s1.windowFrames > before.s1.windowFrames + 10 &&
          now.s2.windowFrames > before.s2.windowFrames + 10
        );
      },
      15_000,
      () => 'windows over SSE',
    );
    await expect.poll(() => page.getByTestId('s1-status').textContent()).toBe('live');
    await page.getByTestId('transport-ws').click();
    await waitUntil(
      () => s1.sseViewers() === 0 && s1.viewers() === 1,
      15_000,
      () => 'back on WebSocket',
    );
  }, 60_000);

  it('exports the visible windows as CSV', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    const path = join(reports, 'export.csv');
    await download.saveAs(path);
    const lines = readFileSync(path, 'utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^system,start,end,startIso,samples,hosts,cpu_avg,/);
    const systems = new Set(lines.slice(1).map((line) => line.split(',')[0]));
    expect(systems).toEqual(new Set(['http-redis', 'ws-memory']));
    expect(lines.length).toBeGreaterThan(100);
    await page.screenshot({ path: join(reports, 'dashboard-standins.png') });
  }, 30_000);
});

describe('delivery delay', () => {
  it('shows per system how long after a window ends it reaches the page, and it is right', async () => {
    // windows of 250 ms, sent 300 ms (System 1) and 30 ms (System 2) after they end
    const slow = await startFakeSystem({ system: 'http-redis', windowMs: 250, publishDelayMs: 300 });
    const fast = await startFakeSystem({ system: 'ws-memory', windowMs: 250, publishDelayMs: 30 });
    const served = await serveDashboard({ root: dist, port: 0, upstreams: { s1: slow.base, s2: fast.base } });
    cleanups.push(
      () => slow.close(),
      () => fast.close(),
      () => served.close(),
    );
    const page = await openPage(served, '?range=1m');
    const delivery = async (id: 's1' | 's2') => {
      const node = page.getByTestId(`${id}-delivery`);
      return { value: Number(await node.getAttribute('data-value')), text: await node.textContent() };
    };
    await waitUntil(
      async () =>
        (await probe(page, (d) => Math.min(d.feeds().s1.windowFrames, d.feeds().s2.windowFrames))) >= 12,
      20_000,
      () => 'a dozen live windows on both systems',
    );
    const s1 = await delivery('s1');
    const s2 = await delivery('s2');
    const seen = await probe(page, (d) => d.delivery());
    // never less than the delay sent on purpose; beyond it only the page's own handling, the same for both
    expect(s1.value).toBeGreaterThanOrEqual(300 * 0.99);
    expect(s2.value).toBeGreaterThanOrEqual(30 * 0.99);
    expect(seen.s1.p50).toBeGreaterThanOrEqual(300 * 0.99);
    expect(seen.s1.p50).toBeLessThan(300 + 250);
    expect(seen.s2.p50).toBeGreaterThanOrEqual(30 * 0.99);
    expect((seen.s1.p50 ?? 0) - (seen.s2.p50 ?? 0)).toBeGreaterThan(270 - 100);
    expect((seen.s1.p50 ?? 0) - (seen.s2.p50 ?? 0)).toBeLessThan(270 + 100);
    expect(s1.text).toMatch(/^\d{1,3}(,\d{3})* ms$/);
    // sample age is still shown, with the window length it includes, and drawn in its own chart
    expect(await page.getByTestId('s1-lag').evaluate((node) => node.nextElementSibling?.textContent)).toBe(
      'sample age p99 (window 250 ms)',
    );
    await waitUntil(
      async () => (await probe(page, (d) => d.points().s1.delivery ?? 0)) > 5,
      10_000,
      () => 'delivery chart points',
    );
    await page.screenshot({ path: join(reports, 'dashboard-delivery.png') });
  }, 60_000);
});

describe('bad frames', () => {
  it('shows an unknown frame type and a wrong protocol on screen, not a blank page', async () => {
    const unknown = await startFakeSystem({ system: 'http-redis', extraFrame: '{"type":"explode","at":1}' });
    const wrongProtocol = await startFakeSystem({ system: 'ws-memory', protocol: 2 });
    const served = await serveDashboard({
      root: dist,
      port: 0,
      upstreams: { s1: unknown.base, s2: wrongProtocol.base },
    });
    cleanups.push(
      () => unknown.close(),
      () => wrongProtocol.close(),
      () => served.close(),
    );
    const page = await openPage(served);
    const s1Error = page.getByTestId('s1-error');
    await s1Error.filter({ hasText: 'unknown frame type "explode"' }).waitFor({ timeout: 15_000 });
    expect(await s1Error.isVisible()).toBe(true);
    // The stream that sent it goes on: its windows are still drawn.
    await expect.poll(() => page.getByTestId('s1-status').textContent(), { timeout: 15_000 }).toBe('live');
    await expect.poll(() => page.getByTestId('s2-status').textContent(), { timeout: 15_000 }).toBe('error');
    expect(await page.getByTestId('s2-error').textContent()).toContain(
      'server speaks protocol 2, this page speaks 1',
    );
    expect(await page.getByTestId('s2-error').isVisible()).toBe(true);
    const path = join(reports, 'dashboard-bad-frames.png');
    await page.screenshot({ path });
    console.log(`bad-frames screenshot: ${path}`);
  }, 60_000);
});

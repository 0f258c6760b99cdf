// The front-door config (nginx/front.conf.template) run by the real nginx against stand-in upstreams:
// routing and prefix stripping, HTTP/2 over TLS, upgrades, unbuffered SSE, limits, keepalive, redirect.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCert, startDashboardNginx, startFrontDoor } from '../../scripts/lib/front-door.js';
import { ChildGroup, freePort } from '@ingestlab/devkit';
import { h2Request, readSse, upgradeEcho } from './clients.js';
import { type FakeUpstream, startFakeUpstream } from './fake-upstream.js';
import { SECURITY_HEADERS } from '../../apps/dashboard/security-headers.js';

const group = new ChildGroup();
const upstreams: FakeUpstream[] = [];
let s1a: FakeUpstream;
let s1b: FakeUpstream;
let s2: FakeUpstream;
let ca: string;
let http: string;
let https: string;
let strictHttp: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingestlab-front-test-'));
  group.onStop(() => rmSync(dir, { recursive: true, force: true }));
  const { cert, key } = ensureDevCert(join(dir, 'certs'));
  ca = readFileSync(cert, 'utf8');
  s1a = await startFakeUpstream('s1-a');
  s1b = await startFakeUpstream('s1-b');
  s2 = await startFakeUpstream('s2');
  upstreams.push(s1a, s1b, s2);
  // The dashboard nginx's workers may run as "nobody": its root must be readable by anyone.
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  mkdirSync(www, { mode: 0o755 });
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>ingestlab test dashboard</title>');
  const dashPort = await freePort();
  await startDashboardNginx(group, { port: dashPort, root: www });
  const common = {
    system1: [s1a.address, s1b.address],
    system2: [s2.address],
    dashboard: `127.0.0.1:${dashPort}`,
    cert,
    key,
  };
  const [httpPort, httpsPort, strictHttpPort, strictHttpsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  await startFrontDoor(group, { ...common, httpPort, httpsPort });
  // A second front door with tight limits and the page redirect on, for the refusal paths.
  await startFrontDoor(group, {
    ...common,
    httpPort: strictHttpPort,
    httpsPort: strictHttpsPort,
    redirect: true,
    extra: { FRONT_INGEST_RATE: '1r/s', FRONT_INGEST_BURST: '2', FRONT_INGEST_CONN: '2' },
  });
  http = `http://127.0.0.1:${httpPort}`;
  https = `https://127.0.0.1:${httpsPort}`;
  strictHttp = `http://127.0.0.1:${strictHttpPort}`;
});

afterAll(async () => {
  await group.stop();
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

describe('routing', () => {
  it('strips /s1 and spreads requests over both System 1 replicas', async () => {
    const from = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${http}/s1/stats?i=${i}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { from: string; path: string };
      expect(body.path).toBe(`/stats?i=${i}`);
      from.add(body.from);
    }
    expect([...from].sort()).toEqual(['s1-a', 's1-b']);
  });

  it('strips /s2 for System 2 and serves the dashboard at /', async () => {
    const stats = (await (await fetch(`${http}/s2/api/history?range=5m`)).json()) as {
      from: string;
      path: string;
    };
    expect(stats).toMatchObject({ from: 's2', path: '/api/history?range=5m' });
    const page = await fetch(`${http}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ingestlab test dashboard');
    // An unknown page path falls back to index.html (single-page app).
    expect(await (await fetch(`${http}/some/view`)).text()).toContain('ingestlab test dashboard');
  });

  it('serves the dashboard with the same security headers as the preview server', async () => {
    for (const path of ['/', '/assets/missing.js']) {
      const answer = await fetch(`${http}${path}`);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        expect(answer.headers.get(name), `${name} on ${path}`).toBe(value);
      }
    }
  });

  it('answers its own /healthz', async () => {
    const response = await fetch(`${http}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });
});

describe('HTTP/2 over TLS', () => {
  it('negotiates h2 and proxies an ingest POST over HTTP/1.1 with the body intact', async () => {
    const body = JSON.stringify({ producer: 'p', seq: 1, samples: [] });
    const answer = await h2Request(https, ca, '/s1/ingest', { method: 'POST', body });
    expect(answer.alpn).toBe('h2');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ path: '/ingest', bodyBytes: Buffer.byteLength(body) });
    const last = [...s1a.seen, ...s1b.seen].find((seen) => seen.method === 'POST' && seen.proto === 'https');
    expect(last).toBeDefined();
  });

  it('passes a 1 MiB body and refuses a larger one itself with a JSON 413', async () => {
    const exact = Buffer.alloc(1024 * 1024, 0x20);
    const ok = await h2Request(https, ca, '/s1/ingest', { method: 'POST', body: exact });
    expect(ok.status).toBe(200);
    const over = Buffer.alloc(1024 * 1024 + 1, 0x20);
    const refused = await fetch(`${http}/s2/stats`, { method: 'POST', body: over });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: expect.stringContaining('1 MiB') });
  });
});

describe('streams', () => {
  it.each(['/s1/live', '/s2/live', '/s2/ingest'])('upgrades %s to a raw two-way stream', async (path) => {
    const answer = await upgradeEcho(`${http}${path}`, 'ping-through-nginx');
    expect(answer.status).toBe(101);
    expect(answer.echoed).toBe('ping-through-nginx');
    const upstream = path.startsWith('/s2') ? [s2] : [s1a, s1b];
    expect(upstream.flatMap((u) => u.seen).some((seen) => seen.path === path.slice(3))).toBe(true);
  });

  it.each(['/s1/live/sse', '/s2/live/sse'])(
    'delivers %s events while the response stays open',
    async (path) => {
      const events = await readSse(`${http}${path}`, 1);
      expect(JSON.parse(events[0] ?? '{}')).toMatchObject({ type: 'hello' });
    },
  );
});

describe('upstream keepalive', () => {
  it('reuses upstream connections instead of opening one per request', async () => {
    const before = s2.seen.length;
    const connectionsBefore = s2.connections();
    for (let i = 0; i < 20; i++) await (await fetch(`${http}/s2/stats`)).arrayBuffer();
    expect(s2.seen.length - before).toBe(20);
    expect(s2.connections() - connectionsBefore).toBeLessThan(20);
  });
});

describe('refusals and redirect (strict front door)', () => {
  it('limits ingest per client with a JSON 429 and retry-after, and leaves other paths alone', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${strictHttp}/s1/ingest`, { method: 'POST', body: '{}' });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(await response.json()).toMatchObject({ error: expect.stringContaining('proxy limit') });
      } else await response.arrayBuffer();
    }
    expect(statuses).toContain(429);
    expect(retryAfter).toBe('1');
    expect((await fetch(`${strictHttp}/s1/stats`)).status).toBe(200);
  });

  it('redirects pages to https when asked, but never the APIs', async () => {
    const page = await fetch(`${strictHttp}/index.html?x=1`, { redirect: 'manual' });
    expect(page.status).toBe(308);
    const location = new URL(page.headers.get('location') ?? '');
    expect(location.protocol).toBe('https:');
    expect(location.pathname + location.search).toBe('/index.html?x=1');
    expect((await fetch(`${strictHttp}/s2/stats`, { redirect: 'manual' })).status).toBe(200);
  });
});

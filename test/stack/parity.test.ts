// One house for both systems: the same request gets the same status, the same JSON keys and the
// same error code from System 1 and System 2 (health, readiness, stats, history with no range, a
// valid one and a bogus one, an unknown path, CORS), a bad setting ends both with the same exit
// code naming it, and both /metrics expose the shared families under the same names and types.
import { join } from 'node:path';
import { ChildGroup } from '@ingestlab/devkit';
import { DASHBOARD_ORIGINS, EX_CONFIG, SHARED_METRIC_FAMILIES } from '@ingestlab/serving';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingApps, REPO, startSystems } from './apps.js';

const skip = missingApps('system1').length > 0 || missingApps('system2').length > 0;

interface Answer {
  status: number;
  keys: string[];
  code: unknown;
  allowOrigin: string | null;
}

async function ask(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const body = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    keys: Object.keys(body).sort(),
    code: body.code,
    allowOrigin: response.headers.get('access-control-allow-origin'),
  };
}

/** The `# TYPE name kind` lines of a Prometheus text page. */
function families(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(match[1]!, match[2]!);
  return types;
}

describe.skipIf(skip)('both systems answer alike', () => {
  const group = new ChildGroup();
  let s1 = 0;
  let s2 = 0;

  beforeAll(async () => {
    const systems = await startSystems(group, { system1: true, system2: true }, 1);
    s1 = systems.system1[0]!;
    s2 = systems.system2!;
  }, 120_000);

  afterAll(async () => {
    await group.stop();
  });

  it.each([
    ['/healthz', 200],
    ['/readyz', 200],
    ['/stats', 200],
    ['/api/history', 200],
    ['/api/history?range=1m', 200],
    ['/api/history?range=2m', 400],
    ['/api/history?range=1m&range=5m', 400],
    ['/no/such/path', 404],
  ])('GET %s: status %i, same keys and code from both', async (path, status) => {
    const [one, two] = [await ask(s1, path), await ask(s2, path)];
    expect(one.status).toBe(status);
    expect(two).toEqual(one);
  });

  it('allows the dashboard origins by default and no others, in both', async () => {
    for (const origin of [DASHBOARD_ORIGINS[0]!, 'http://evil.example']) {
      const [one, two] = [await ask(s1, '/stats', { origin }), await ask(s2, '/stats', { origin })];
      expect(one.allowOrigin).toBe(origin === 'http://evil.example' ? null : origin);
      expect(two.allowOrigin).toBe(one.allowOrigin);
    }
  });

  it('exposes the shared metric families under the same names and types', async () => {
    const [one, two] = await Promise.all(
      [s1, s2].map(async (port) => families(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())),
    );
    for (const name of SHARED_METRIC_FAMILIES) {
      expect(one!.get(name), `System 1 ${name}`).toBeDefined();
      expect(two!.get(name), `System 2 ${name}`).toBe(one!.get(name));
    }
    // Prometheus naming for our own families (Node's standard ones are prom-client's): counters end
    // in _total, and no family name is another's plus _total.
    for (const page of [one!, two!]) {
      for (const [name, type] of page) {
        if (!name.startsWith('ingest_')) continue;
        if (type === 'counter') expect(name, name).toMatch(/_total$/);
        expect(page.has(`${name}_total`), `${name} beside ${name}_total`).toBe(false);
      }
    }
  });

  it.each([
    ['http-ingest', 'src/server.ts'],
    ['http-ingest', 'src/worker.ts'],
    ['ws-ingest', 'src/server.ts'],
  ])('%s %s exits 78 naming a bad setting', async (app, script) => {
    const bad = new ChildGroup();
    try {
      const child = bad.start(
        `${app}-bad`,
        process.execPath,
        ['--import', 'tsx', '--conditions=source', script],
        {
          cwd: join(REPO, 'apps', app),
          env: { ...process.env, WINDOW_MS: 'soon' },
        },
      );
      expect(await child.exited).toBe(EX_CONFIG);
      expect(child.output()).toContain(
        'bad setting: WINDOW_MS must be an integer from 100 to 3600000, got "soon"',
      );
    } finally {
      await bad.stop();
    }
  });
});

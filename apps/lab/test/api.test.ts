// The control API through Fastify's inject, on a lab whose processes are not started (the API's
// answers do not depend on them): the token on every request, and every refusal — 401, 400 naming
// the field, 422 with the limit, 429 with retry-after — plus 202 with an id that the state lists.
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import labApp from '../src/app.js';
import { labFastifyOptions } from '../src/fastify-options.js';
import { Lab } from '../src/lab.js';
import { labOptions } from '../src/options.js';
import { makeLabDir } from '../src/stack/lab-dir.js';

const TOKEN = 'test-token-0123456789abcdef';
let app: FastifyInstance;
let lab: Lab;
let logged = '';
const scratch = makeLabDir();

beforeAll(async () => {
  lab = await Lab.create(labOptions(['--free-ports', '--no-load', '--max-hosts', '1000'], {}), scratch.dir);
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk);
      done();
    },
  });
  app = Fastify(labFastifyOptions('trace', stream));
  await app.register(labApp, { lab, token: TOKEN, dashboardRoot: null });
  // a route that fails, so the error path's log line (with its request) can be checked
  app.get('/api/lab/fail-for-test', async () => {
    throw new Error('failing on purpose');
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await lab?.stop();
  scratch.remove();
});

const act = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  app.inject({
    method: 'POST',
    url: '/api/lab/actions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the token', () => {
  it('is required on every control request: 401 without it or with a wrong one', async () => {
    for (const url of ['/api/lab/state', '/api/lab/scenarios', '/api/lab/scenario/summary']) {
      const none = await app.inject({ url });
      expect(none.statusCode, url).toBe(401);
      expect(none.headers['www-authenticate']).toContain('Bearer');
      const wrong = await app.inject({ url, headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode, url).toBe(401);
    }
    expect((await act({ type: 'stop-load', system: 's1' }, {})).statusCode).toBe(401);
    expect(
      (await act({ type: 'stop-load', system: 's1' }, { authorization: `Bearer ${TOKEN}x` })).statusCode,
    ).toBe(401);
  });

  it('is taken as a bearer header or as ?token=', async () => {
    expect(
      (await app.inject({ url: '/api/lab/state', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode,
    ).toBe(200);
    expect((await app.inject({ url: `/api/lab/state?token=${TOKEN}` })).statusCode).toBe(200);
  });

  it('appears in no log line, even of a failing request', async () => {
    await app.inject({ url: `/api/lab/state?token=${TOKEN}` });
    await act('{not json', { authorization: `Bearer ${TOKEN}` });
    await app.inject({ url: `/nowhere?token=${TOKEN}` });
    const failed = await app.inject({ url: `/api/lab/fail-for-test?token=${TOKEN}` });
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error).not.toContain('failing on purpose');
    expect(logged).toContain('failing on purpose');
    expect(logged).toContain('/api/lab/fail-for-test');
    expect(logged).not.toContain(TOKEN);
  });
});

describe('POST /api/lab/actions', () => {
  it('answers 400 naming the field for a malformed or unknown action', async () => {
    const cases: [unknown, string][] = [
      [{ type: 'explode' }, '/type'],
      [{ type: 'load', system: 'both' }, '/hosts'],
      [{ type: 'load', system: 'both', hosts: 10, rate: 'fast' }, '/rate'],
      [{ type: 'load', system: 's1', hosts: 10, transport: 'ws' }, '/transport'],
      [{ type: 'fault', fault: 'kill-everything' }, '/fault'],
      [{ type: 'fault', fault: 'kill-worker', colour: 'red' }, '/colour'],
      [{ type: 'scenario', name: 'no-such-scenario' }, '/name'],
      [{ type: 'scenario', yaml: 'name: [' }, '/yaml'],
    ];
    for (const [body, field] of cases) {
      const answer = await act(body);
      expect(answer.statusCode, JSON.stringify(body)).toBe(400);
      const json = answer.json() as { error: string; details?: { path: string }[] };
      expect(json.error, JSON.stringify(body)).toContain(field);
      expect(json.details?.[0]?.path).toBe(field);
    }
    const notJson = await act('{not json');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toMatch(/JSON/i);
  });

  it('answers 422 with the limit for a fleet beyond the lab', async () => {
    const answer = await act({ type: 'load', system: 'both', hosts: 1001 });
    expect(answer.statusCode).toBe(422);
    expect(answer.json()).toMatchObject({ limit: { hosts: 1000 } });
    expect(answer.json().error).toContain('1,000');
    const inScenario = await act({
      type: 'scenario',
      yaml: 'name: big\ntitle: Big\nsteps:\n  - title: too many\n    do:\n      - { type: load, system: s1, hosts: 5000 }\n',
    });
    expect(inScenario.statusCode).toBe(422);
    expect(inScenario.json()).toMatchObject({ limit: { hosts: 1000 } });
  });

  it('answers 202 with the action id, which the state lists with its outcome', async () => {
    const answer = await act({ type: 'load', system: 'both', hosts: 10, connections: 2 });
    expect(answer.statusCode).toBe(202);
    const { id } = answer.json() as { id: string };
    expect(id).toMatch(/^a\d+$/);
    await lab.queue.idle();
    const state = (
      await app.inject({ url: '/api/lab/state', headers: { authorization: `Bearer ${TOKEN}` } })
    ).json();
    const record = state.actions.find((a: { id: string }) => a.id === id);
    expect(record).toMatchObject({ by: 'api', status: 'done', action: { type: 'load', hosts: 10 } });
    expect(state.load.s1).toMatchObject({ hosts: 10, transport: 'http1', connections: 2, targetRate: 10 });
    expect(state.load.s2).toMatchObject({ hosts: 10, transport: 'ws' });
    expect(state.markers.at(-1)).toMatchObject({ kind: 'action', systems: ['s1', 's2'] });
  });

  it('answers 429 with retry-after to a repeated click', async () => {
    const click = { type: 'stop-load', system: 's2' };
    expect((await act(click)).statusCode).toBe(202);
    const again = await act(click);
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(again.json().error).toMatch(/repeated/);
  });

  it('records a fault that cannot be carried out as failed, with why', async () => {
    // nothing runs in this lab: there is no worker to kill
    const answer = await act({ type: 'fault', fault: 'kill-worker' });
    expect(answer.statusCode).toBe(202);
    await lab.queue.idle();
    const record = lab.log.actions.find((a) => a.id === answer.json().id);
    expect(record).toMatchObject({ status: 'failed', error: 'no System 1 worker is running' });
  });
});

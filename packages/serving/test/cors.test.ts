// CORS of both systems: preflights answered for the allowed origins, the allow-origin header on a
// cross-origin answer only for an allowed origin (or `*`), and nothing added to answers of requests
// that carry no Origin (producers, scrapers), which the light hook leaves alone.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { idleServedApp } from './support/idle-system.js';

const ALLOWED = 'http://dashboard.test:5173';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function build(corsOrigins: string): Promise<FastifyInstance> {
  app = await idleServedApp({ CORS_ORIGINS: corsOrigins });
  // An app's own route beside the core's, as /ingest is.
  app.post('/ingest', async (_request, reply) => reply.code(202).send({ accepted: 1, duplicate: false }));
  await app.ready();
  return app;
}

const preflight = (app: FastifyInstance, origin: string) =>
  app.inject({
    method: 'OPTIONS',
    url: '/ingest',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });

describe('CORS', () => {
  it('answers preflights, allowing only the configured origins', async () => {
    const app = await build(ALLOWED);
    const allowed = await preflight(app, ALLOWED);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET, HEAD, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization, x-producer',
      'access-control-max-age': '600',
    });
    expect((await preflight(app, 'http://evil.test')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets an allowed origin read answers of the core and of the app, retry-after included', async () => {
    const app = await build(ALLOWED);
    for (const request of [
      { method: 'GET' as const, url: '/stats' },
      { method: 'POST' as const, url: '/ingest' },
      { method: 'GET' as const, url: '/nowhere' },
    ]) {
      const answer = await app.inject({ ...request, headers: { origin: ALLOWED } });
      expect(answer.headers, request.url).toMatchObject({
        'access-control-allow-origin': ALLOWED,
        'access-control-expose-headers': 'retry-after',
        vary: 'Origin',
      });
      const other = await app.inject({ ...request, headers: { origin: 'http://evil.test' } });
      expect(other.headers['access-control-allow-origin'], request.url).toBeUndefined();
      expect(other.headers.vary, request.url).toBe('Origin');
    }
  });

  it('adds nothing to answers of requests without an Origin', async () => {
    const app = await build(ALLOWED);
    const answer = await app.inject({ method: 'POST', url: '/ingest' });
    expect(answer.statusCode).toBe(202);
    for (const header of ['access-control-allow-origin', 'access-control-expose-headers', 'vary']) {
      expect(answer.headers[header], header).toBeUndefined();
    }
  });

  it('allows every origin with *', async () => {
    const app = await build('*');
    const answer = await app.inject({ method: 'GET', url: '/stats', headers: { origin: 'http://any.test' } });
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers.vary).toBeUndefined();
    expect((await preflight(app, 'http://any.test')).headers['access-control-allow-origin']).toBe('*');
  });
});

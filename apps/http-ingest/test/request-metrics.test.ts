// ingest_http_requests_total and ingest_http_request_duration_seconds, kept as plain numbers per route
// and turned into Prometheus text at scrape time: every answer counted once under its route pattern,
// status and protocol, answers of no route as "unmatched", latency buckets cumulative up to +Inf.
import { type PrivateRedis, startRedis } from '@ingestlab/devkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteMetrics } from '../src/route-metrics.js';
import { batch } from './support/batches.js';
import { startSystem, type TestSystem, testConfig } from './support/system.js';

describe('RouteMetrics', () => {
  it('writes counters by status and a cumulative histogram with sum and count', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ system: 'test' });
    const metrics = new RouteMetrics(registry);
    const ingest = metrics.recorder('h2c', '/ingest');
    expect(metrics.recorder('h2c', '/ingest')).toBe(ingest);
    ingest.record(202, 0.0004);
    ingest.record(202, 0.003);
    ingest.record(400, 3);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE ingest_http_requests_total counter');
    expect(text).toContain(
      'ingest_http_requests_total{protocol="h2c",route="/ingest",status="202",system="test"} 2',
    );
    expect(text).toContain(
      'ingest_http_requests_total{protocol="h2c",route="/ingest",status="400",system="test"} 1',
    );
    expect(text).toContain('# TYPE ingest_http_request_duration_seconds histogram');
    const bucket = (le: string) =>
      Number(
        new RegExp(
          `ingest_http_request_duration_seconds_bucket\\{le="${le.replace('+', '\\+')}",protocol="h2c",route="/ingest",system="test"\\} (\\d+)`,
        ).exec(text)?.[1],
      );
    expect([bucket('0.0005'), bucket('0.002'), bucket('0.005'), bucket('2.5'), bucket('+Inf')]).toEqual([
      1, 1, 2, 2, 3,
    ]);
    expect(text).toContain(
      'ingest_http_request_duration_seconds_count{protocol="h2c",route="/ingest",system="test"} 3',
    );
    expect(text).toMatch(
      /ingest_http_request_duration_seconds_sum\{protocol="h2c",route="\/ingest",system="test"\} 3\.0034/,
    );
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('route="/ingest"');
  });
});

describe('request metrics of an app', () => {
  let redis: PrivateRedis;
  let system: TestSystem;
  beforeAll(async () => {
    redis = await startRedis();
    system = await startSystem(testConfig(redis.url), { listen: false, publish: false });
  });
  afterAll(async () => {
    await system?.close();
    await redis?.stop();
  });

  it('counts each answer once, under its route pattern, status and listener', async () => {
    const app = system.apps.h2c;
    const post = (body: string) =>
      app.inject({
        method: 'POST',
        url: '/ingest',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
    expect((await post(JSON.stringify(batch('rm', 1, 2)))).statusCode).toBe(202);
    expect((await post(JSON.stringify(batch('rm', 2, 2)))).statusCode).toBe(202);
    expect((await post('{"producer":')).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/nowhere?x=1' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const text = await system.services.servingMetrics.registry.metrics();
    const line = (labels: string) =>
      new RegExp(`ingest_http_requests_total\\{${labels},system="http-redis"\\} (\\d+)`).exec(text)?.[1];
    expect(line('protocol="h2c",route="/ingest",status="202"')).toBe('2');
    expect(line('protocol="h2c",route="/ingest",status="400"')).toBe('1');
    expect(line('protocol="h2c",route="unmatched",status="404"')).toBe('1');
    expect(line('protocol="h2c",route="/healthz",status="200"')).toBe('1');
    // No other listener saw these requests.
    expect(text).not.toMatch(/protocol="http1",route="\/ingest"/);
    expect(text).toContain(
      'ingest_http_request_duration_seconds_count{protocol="h2c",route="/ingest",system="http-redis"} 3',
    );
  });
});

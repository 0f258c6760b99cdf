// Each transport against a real contract server on port 0: everything sent is acknowledged, counted
// once at the server, and the producer's counts reconcile with the server's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Target,
  type TransportOptions,
  createBatchStream,
  createFleet,
  createTransport,
} from '../src/index.js';
import {
  type TestServer,
  type TlsMaterial,
  makeSelfSignedCert,
  startH2TlsServer,
  startH2cServer,
  startHttp1Server,
  startWsServer,
} from './support/contract-servers.js';

let tls: TlsMaterial;
beforeAll(() => {
  tls = makeSelfSignedCert();
});
afterAll(() => tls?.cleanup());

const cases: { target: Target; start: () => Promise<TestServer>; extra?: () => TransportOptions }[] = [
  { target: 'http1', start: () => startHttp1Server(), extra: () => ({ connections: 4, pipelining: 4 }) },
  { target: 'h2c', start: () => startH2cServer(), extra: () => ({ sessions: 2 }) },
  { target: 'h2', start: () => startH2TlsServer(tls), extra: () => ({ ca: tls.cert }) },
  { target: 'ws', start: () => startWsServer(), extra: () => ({ maxInFlight: 16 }) },
];

const withEncodings = cases.flatMap((c) => [
  { ...c, encoding: 'json' as const },
  { ...c, encoding: 'msgpack' as const },
]);

describe.each(withEncodings)('$target transport, $encoding', ({ target, start, extra, encoding }) => {
  it('gets every batch acknowledged, counted once at the server', async () => {
    const server = await start();
    const transport = createTransport(target, { url: server.url, encoding, ...extra?.() });
    try {
      const fleet = createFleet({ hosts: 50, seed: 3, startTime: 1_763_830_000_000 });
      const stream = createBatchStream({ fleet, producer: `test-${target}`, batchSize: 5 });
      const batches = Array.from({ length: 200 }, (_, i) => stream.next(1_763_830_000_000 + i * 100));
      const results = await Promise.all(batches.map((batch) => transport.send(batch)));
      expect(results.every((r) => r.status === 'acknowledged')).toBe(true);
      const counts = transport.counters();
      expect(counts.batches).toEqual({ sent: 200, acknowledged: 200, duplicates: 0, refused: 0, failed: 0 });
      expect(counts.samples.sent).toBe(1000);
      expect(counts.samples.acknowledged).toBe(1000);
      expect(counts.retries).toBe(0);
      expect(counts.fromSchedule.count).toBe(200);
      expect(server.state.accepted).toBe(1000);
      expect(server.state.batches).toBe(200);
      expect(server.state.duplicates).toBe(0);
      // every body went in the asked encoding
      expect(server.state.encodings[encoding]).toBe(200);
    } finally {
      await transport.close();
      await server.close();
    }
  });
});

describe('TLS trust', () => {
  it('refuses a self-signed certificate unless --insecure or its CA is given', async () => {
    const server = await startH2TlsServer(tls);
    const strict = createTransport('h2', { url: server.url, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const insecure = createTransport('h2', { url: server.url, insecure: true });
    try {
      const fleet = createFleet({ hosts: 1, startTime: 0 });
      const batch = createBatchStream({ fleet, producer: 'tls-check' }).next(1000);
      const denied = await strict.send(batch);
      expect(denied.status).toBe('failed');
      expect(strict.counters().batches.failed).toBe(1);
      expect(strict.counters().errors).toEqual({ 'tls-untrusted-certificate': 2 });
      const allowed = await insecure.send(batch);
      expect(allowed.status).toBe('acknowledged');
    } finally {
      await strict.close();
      await insecure.close();
      await server.close();
    }
  });
});

describe('token', () => {
  it.each([
    ['http1', startHttp1Server],
    ['ws', startWsServer],
  ] as const)(
    '%s presents the bearer token, and a wrong one is refused without retries',
    async (target, start) => {
      const server = await start({ token: 's3cret' });
      const good = createTransport(target, { url: server.url, token: 's3cret' });
      const bad = createTransport(target, { url: server.url, token: 'wrong' });
      try {
        const fleet = createFleet({ hosts: 2, startTime: 0 });
        const stream = createBatchStream({ fleet, producer: `tok-${target}` });
        expect((await good.send(stream.next(1000))).status).toBe('acknowledged');
        const refused = await bad.send(stream.next(2000));
        expect(refused).toMatchObject({ status: 'refused', error: 'status-401', attempts: 1 });
        expect(bad.counters().batches.refused).toBe(1);
        expect(bad.counters().retries).toBe(0);
      } finally {
        await good.close();
        await bad.close();
        await server.close();
      }
    },
  );
});

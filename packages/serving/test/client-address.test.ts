// The per-client read limit behind a proxy: each viewer behind nginx or the Vite proxy has its own
// budget, and a client that is not a proxy cannot pick another budget by sending X-Forwarded-For.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress, isProxyAddress } from '../src/plugins/client-address.js';
import { idleServedApp } from './support/idle-system.js';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function servedWithLimit(perMinute: number): Promise<FastifyInstance> {
  app = await idleServedApp({ HTTP_RATE_LIMIT_PER_MIN: String(perMinute) });
  await app.ready();
  return app;
}

async function statusesOf(served: FastifyInstance, remoteAddress: string, forwardedFor?: string) {
  const headers = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  const codes: number[] = [];
  for (let i = 0; i < 3; i++)
    codes.push((await served.inject({ url: '/stats', remoteAddress, headers })).statusCode);
  return codes;
}

describe('client address for per-client limits', () => {
  it('knows our proxies by network: loopback, private and link-local, IPv4-mapped too', () => {
    for (const address of [
      '127.0.0.1',
      '10.89.0.7',
      '172.20.1.2',
      '192.168.1.9',
      '::1',
      '::ffff:10.0.0.2',
      'fd00::5',
    ])
      expect(isProxyAddress(address), address).toBe(true);
    for (const address of ['8.8.8.8', '172.32.0.1', '2001:db8::1', 'not-an-address'])
      expect(isProxyAddress(address), address).toBe(false);
  });

  it('takes the address the proxy appended, and ignores a forged one from a public peer', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('10.89.0.2', '1.1.1.1, 203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddress('127.0.0.1', 'garbage')).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(clientAddress('198.51.100.4', '203.0.113.9')).toBe('198.51.100.4');
  });

  it('gives each viewer behind the proxy its own budget, and a direct client one budget whatever it claims', async () => {
    const served = await servedWithLimit(2);
    expect(await statusesOf(served, '127.0.0.1', '203.0.113.1')).toEqual([200, 200, 429]);
    expect(await statusesOf(served, '127.0.0.1', '203.0.113.2')).toEqual([200, 200, 429]);
    expect(await statusesOf(served, '198.51.100.4', '203.0.113.3')).toEqual([200, 200, 429]);
    expect(await statusesOf(served, '198.51.100.4', '203.0.113.4')).toEqual([429, 429, 429]);
  });
});

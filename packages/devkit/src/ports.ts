// Ports on loopback for tests and dev runs: a free one from the kernel, "is this one free", and
// waiting until something listens on one.
import { createServer } from 'node:net';
import { listening } from './probes.js';
import { waitUntil } from './wait.js';

/** Asks the kernel for a free port by binding port 0, then releases it. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on host:port, so it may be bound (checked by binding it briefly). */
export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** `preferred` when it is free (the contract's port, say), else a free port from the kernel. */
export async function portOr(preferred: number, host = '127.0.0.1'): Promise<number> {
  return (await portIsFree(preferred, host)) ? preferred : freePort(host);
}

/** Resolves once something accepts TCP connections on host:port, or rejects after timeoutMs. */
export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    () => listening(port, host),
    timeoutMs,
    () => `something to listen on ${host}:${port}`,
  );
}

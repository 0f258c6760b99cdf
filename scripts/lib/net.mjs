// Ports and readiness probes for the native stack: free ports, "is it listening", "does it answer 200".
import { connect, createServer } from 'node:net';

/**
 * Asks the kernel for a free port on host by binding port 0, then releases it.
 * @returns {Promise<number>}
 */
export function freePort(host = '127.0.0.1') {
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

/**
 * True when nothing listens on host:port and we may bind it.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function portIsFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * `preferred` when it is free, else a free port from the kernel.
 * @param {number} preferred
 */
export async function portOr(preferred, host = '127.0.0.1') {
  return (await portIsFree(preferred, host)) ? preferred : freePort(host);
}

/**
 * True when something accepts a TCP connection on host:port.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function listening(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * True when GET url answers with `status` (200 by default) within timeoutMs.
 * @param {string} url
 */
export async function answers(url, status = 200, timeoutMs = 2000) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === status;
  } catch {
    return false;
  }
}

/**
 * Polls `probe` until true; throws after timeoutMs with describe() in the message. A probe that
 * throws counts as "not yet"; `abort` (e.g. "the process exited") ends the wait at once.
 * @param {() => Promise<boolean> | boolean} probe
 * @param {number} timeoutMs
 * @param {() => string} describe
 * @param {() => string | null} [abort] returns a reason to give up early, or null
 */
export async function waitFor(probe, timeoutMs, describe, abort = () => null) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abort();
    if (reason) throw new Error(`${describe()}: ${reason}`);
    try {
      if (await probe()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

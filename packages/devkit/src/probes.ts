// Readiness probes: "does something accept connections here" and "does this URL answer with a
// status". Each returns false rather than throwing, so it fits waitUntil.
import { connect } from 'node:net';

/** True when something accepts a TCP connection on host:port. */
export async function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
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
 * True when GET `url` answers with `status` within timeoutMs; the body is read so the connection
 * can be reused or closed cleanly.
 * @param status the status that means "ready". Default 200.
 * @param timeoutMs how long one request may take. Default 2000.
 */
export async function answers(url: string, status = 200, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === status;
  } catch {
    return false;
  }
}

// Small real clients for the stack tests: HTTP/2 over TLS, a raw HTTP upgrade and an SSE reader,
// each reporting what actually crossed the proxy.
import { connect as connectH2 } from 'node:http2';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';

export interface H2Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  alpn: string | false | undefined;
}

/** One request over a fresh HTTP/2 TLS session (ALPN h2), trusting `ca`. */
export async function h2Request(
  origin: string,
  ca: string,
  path: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<H2Answer> {
  const session = connectH2(origin, { ca, servername: 'localhost' });
  try {
    const alpn = await new Promise<string | false | undefined>((resolve, reject) => {
      session.once('connect', () => resolve(session.alpnProtocol));
      session.once('error', reject);
    });
    const stream = session.request({
      ':method': options.method ?? 'GET',
      ':path': path,
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    });
    if (options.body) stream.end(options.body);
    else stream.end();
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      stream.once('response', (h) => resolve(h as Record<string, string | string[] | undefined>));
      stream.once('error', reject);
    });
    let body = '';
    stream.setEncoding('utf8');
    for await (const chunk of stream) body += chunk;
    return { status: Number(headers[':status']), headers, body, alpn };
  } finally {
    session.close();
  }
}

/**
 * Sends an HTTP/1.1 upgrade request and, on 101, writes `probe` and resolves with the status, the
 * answer headers and what came back on the raw socket.
 */
export async function upgradeEcho(
  url: string,
  probe: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; echoed: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    req.setTimeout(10_000, () => req.destroy(new Error('upgrade timed out')));
    req.once('error', reject);
    req.once('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers, echoed: '' });
    });
    req.once('upgrade', (response, socket: Socket) => {
      let echoed = '';
      socket.on('data', (data) => {
        echoed += data.toString();
        if (echoed.length >= probe.length) {
          socket.destroy();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, echoed });
        }
      });
      socket.write(probe);
    });
    req.end();
  });
}

/** Reads Server-Sent Events from url until `count` data lines arrived; the stream is then closed. */
export async function readSse(url: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: string[] = [];
  try {
    const response = await fetch(url, {
      signal: controller.signal,
      headers: { accept: 'text/event-stream' },
    });
    if (!response.ok || !response.body) throw new Error(`SSE ${url} answered ${response.status}`);
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = pending.indexOf('\n\n');
      while (end >= 0) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (data) events.push(data);
        if (events.length >= count) return events;
        end = pending.indexOf('\n\n');
      }
    }
    throw new Error(`SSE ${url} ended after ${events.length} of ${count} events`);
  } catch (error) {
    if (controller.signal.aborted)
      throw new Error(`SSE ${url}: ${events.length} of ${count} events in ${timeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// The readiness probes against real listeners: TCP accept, HTTP status, a server that never answers.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, freePort, listening } from '../src/index.js';

let tcp: Server;
let http: HttpServer;
let base = '';

beforeAll(async () => {
  tcp = createServer((socket) => socket.destroy()).listen(0, '127.0.0.1');
  // /ok answers 200, /busy 503, /hang never answers.
  http = createHttpServer((req, res) => {
    if (req.url === '/hang') return;
    res.statusCode = req.url === '/ok' ? 200 : 503;
    res.end('body');
  }).listen(0, '127.0.0.1');
  await Promise.all([tcp, http].map((s) => new Promise((r) => s.once('listening', r))));
  const address = http.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  http.closeAllConnections();
  await Promise.all([tcp, http].map((s) => new Promise((r) => s.close(r))));
});

describe('listening', () => {
  it('is true where something accepts connections and false where nothing does', async () => {
    const address = tcp.address();
    expect(await listening(typeof address === 'object' && address ? address.port : 0)).toBe(true);
    expect(await listening(await freePort())).toBe(false);
  });
});

describe('answers', () => {
  it('is true only for the expected status', async () => {
    expect(await answers(`${base}/ok`)).toBe(true);
    expect(await answers(`${base}/busy`)).toBe(false);
    expect(await answers(`${base}/busy`, 503)).toBe(true);
  });

  it('is false when nothing listens or the answer does not come in time', async () => {
    expect(await answers(`http://127.0.0.1:${await freePort()}/`)).toBe(false);
    const started = Date.now();
    expect(await answers(`${base}/hang`, 200, 300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

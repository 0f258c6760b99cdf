#!/usr/bin/env node
// Serves the built dashboard (dist/) and proxies same-origin /s1 and /s2 (HTTP, SSE and WebSocket
// upgrades) to the two systems, as nginx does in compose. Plain Node, no dependencies: `pnpm demo`
// and the browser test use it, and `pnpm --filter @ingestlab/dashboard start` runs it.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect } from 'node:net';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './security-headers.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * @typedef {object} ServeOptions
 * @property {string} [root]  Folder to serve. Default: this package's dist/.
 * @property {number} [port]  Port to listen on; 0 picks a free one. Default 4173.
 * @property {string} [host]  Bind address. Default 127.0.0.1.
 * @property {{ s1: string, s2: string }} upstreams  http:// base URLs the /s1 and /s2 prefixes map to.
 */

/**
 * Starts the server; resolves once it listens.
 * @param {ServeOptions} options
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function serveDashboard(options) {
  const root = resolve(options.root ?? join(here, 'dist'));
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `${root}/index.html not found: build the dashboard first (pnpm --filter @ingestlab/dashboard build)`,
    );
  }
  const upstreams = Object.entries(options.upstreams).map(([name, base]) => {
    const url = new URL(base);
    if (url.protocol !== 'http:') throw new Error(`upstream ${name} must be an http:// URL, got ${base}`);
    return { prefix: `/${name}`, url };
  });
  /** Finds the upstream for a path and the path to ask it for. */
  const route = (path = '/') => {
    for (const upstream of upstreams) {
      if (
        path === upstream.prefix ||
        path.startsWith(`${upstream.prefix}/`) ||
        path.startsWith(`${upstream.prefix}?`)
      ) {
        const rest = path.slice(upstream.prefix.length);
        const basePath = upstream.url.pathname.replace(/\/$/, '');
        return { upstream, path: `${basePath}${rest.startsWith('/') ? rest : `/${rest}`}` };
      }
    }
    return null;
  };

  const sockets = new Set();
  const server = createServer((req, res) => {
    const target = route(req.url);
    if (target) return proxyHttp(req, res, target);
    serveStatic(root, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket, head) => {
    const target = route(req.url);
    if (!target) return socket.destroy();
    proxyUpgrade(req, socket, head, target);
  });
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4173, options.host ?? '127.0.0.1', () => resolveListen(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shownHost = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    close: () =>
      new Promise((done) => {
        server.close(() => done(undefined));
        // Live streams never end by themselves: end them so close() returns.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function serveStatic(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain', ...SECURITY_HEADERS }).end('not found');
    return;
  }
  // Hashed assets never change; the page and its runtime config must be fetched fresh.
  const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': cache,
    ...SECURITY_HEADERS,
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

function proxyHttp(req, res, { upstream, path }) {
  const outgoing = request(
    {
      host: upstream.url.hostname,
      port: upstream.url.port || 80,
      method: req.method,
      path,
      headers: { ...req.headers, host: upstream.url.host },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      // Server-Sent Events must not wait in a buffer.
      if (String(answer.headers['content-type']).startsWith('text/event-stream')) res.flushHeaders();
      answer.pipe(res);
    },
  );
  outgoing.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`upstream ${upstream.url.host} unreachable: ${error.message}`);
  });
  res.on('close', () => outgoing.destroy());
  req.pipe(outgoing);
}

function proxyUpgrade(req, socket, head, { upstream, path }) {
  const upstreamSocket = connect(Number(upstream.url.port || 80), upstream.url.hostname);
  const fail = () => {
    socket.destroy();
    upstreamSocket.destroy();
  };
  upstreamSocket.on('error', fail);
  socket.on('error', fail);
  socket.on('close', () => upstreamSocket.destroy());
  upstreamSocket.on('close', () => socket.destroy());
  upstreamSocket.on('connect', () => {
    const lines = [`${req.method} ${path} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      lines.push(`${name}: ${name.toLowerCase() === 'host' ? upstream.url.host : req.rawHeaders[i + 1]}`);
    }
    upstreamSocket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head?.length) upstreamSocket.write(head);
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  });
}

/** Reads the CLI's settings from the environment (contract names), with defaults. */
function configFromEnv(env) {
  const host = env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1';
  const port = Number(env.DASHBOARD_PORT ?? 4173);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`DASHBOARD_PORT=${env.DASHBOARD_PORT} is not a port`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    upstreams: {
      s1: env.S1_URL ?? `http://${host}:${env.HTTP_PORT ?? 3001}`,
      s2: env.S2_URL ?? `http://${host}:${env.WS_PORT ?? 3003}`,
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv.includes('--help')) {
    console.log(`Usage: node serve.mjs
Serves apps/dashboard/dist and proxies /s1 and /s2 to the systems.
Environment (defaults): DASHBOARD_PORT (4173), HOST (127.0.0.1),
  S1_URL (http://HOST:HTTP_PORT, HTTP_PORT 3001), S2_URL (http://HOST:WS_PORT, WS_PORT 3003).`);
    process.exit(0);
  }
  try {
    const served = await serveDashboard(configFromEnv(process.env));
    console.log(`dashboard at ${served.url}`);
    const stop = () => served.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (error) {
    console.error(error.code === 'EADDRINUSE' ? `port taken: ${error.message}` : error.message);
    process.exit(1);
  }
}

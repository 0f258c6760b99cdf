// Serves the built dashboard (dist/) with Vite's preview server and proxies same-origin /s1 and /s2
// (HTTP, SSE and WebSocket upgrades) to the two systems, as nginx does in compose: `pnpm demo` and
// the browser tests start it in-process; `pnpm --filter @ingestlab/dashboard start` is `vite preview`.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preview } from 'vite';
import { systemProxies } from './vite.config.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface ServeOptions {
  /** Folder to serve. Default: this package's dist/. */
  root?: string;
  /** Port to listen on; 0 picks a free one. Default 4173. */
  port?: number;
  /** Bind address. Default 127.0.0.1. */
  host?: string;
  /** http:// base URLs the /s1 and /s2 prefixes map to. */
  upstreams: { s1: string; s2: string };
}

export interface ServedDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the preview server; resolves once it listens. */
export async function serveDashboard(options: ServeOptions): Promise<ServedDashboard> {
  const root = resolve(options.root ?? join(here, 'dist'));
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(
      `${root}/index.html not found: build the dashboard first (pnpm --filter @ingestlab/dashboard build)`,
    );
  }
  for (const [name, base] of Object.entries(options.upstreams)) {
    if (new URL(base).protocol !== 'http:')
      throw new Error(`upstream ${name} must be an http:// URL, got ${base}`);
  }
  const port = options.port ?? 4173;
  // Vite's preview stops the whole process on SIGTERM (and when stdin ends); here the caller owns the
  // process and its shutdown order, so the listeners it adds are taken off again.
  const before = { sigterm: process.listeners('SIGTERM'), stdinEnd: process.stdin.listeners('end') };
  const server = await preview({
    root: here,
    configFile: join(here, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: root },
    preview: {
      port,
      strictPort: port !== 0,
      host: options.host ?? '127.0.0.1',
      proxy: systemProxies(options.upstreams),
    },
  });
  for (const listener of process.listeners('SIGTERM'))
    if (!before.sigterm.includes(listener)) process.off('SIGTERM', listener);
  for (const listener of process.stdin.listeners('end'))
    if (!before.stdinEnd.includes(listener)) process.stdin.off('end', listener as () => void);
  const address = server.httpServer.address();
  if (address === null || typeof address === 'string')
    throw new Error('the preview server has no TCP address');
  const shownHost = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${shownHost}:${address.port}/`,
    port: address.port,
    close: () => server.close(),
  };
}

// Vite for the dashboard. Dev server (5173) and preview (4173) proxy same-origin /s1 and /s2 to
// the systems, so the page's default URLs work as they do behind nginx. Targets come from the
// contract's env vars: HTTP_PORT (3001) and WS_PORT (3003) on HOST (127.0.0.1), or S1_URL/S2_URL.
import { defineConfig, type ProxyOptions } from 'vite';

const host = process.env.HOST && process.env.HOST !== '0.0.0.0' ? process.env.HOST : '127.0.0.1';
const s1 = process.env.S1_URL ?? `http://${host}:${process.env.HTTP_PORT ?? 3001}`;
const s2 = process.env.S2_URL ?? `http://${host}:${process.env.WS_PORT ?? 3003}`;

const proxy = (prefix: string, target: string): ProxyOptions => ({
  target,
  ws: true,
  changeOrigin: true,
  rewrite: (path) => path.slice(prefix.length) || '/',
});
const proxies = { '/s1': proxy('/s1', s1), '/s2': proxy('/s2', s2) };

export default defineConfig({
  // Read workspace packages from source, as tests and tsx do: no build of metric-schema needed.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  base: './',
  server: { port: 5173, strictPort: true, host: '127.0.0.1', proxy: proxies },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1', proxy: proxies },
  build: { outDir: 'dist', target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 600 },
});

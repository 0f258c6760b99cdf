// Vite for the dashboard. Dev server (5173) and preview (4173) proxy same-origin /s1 and /s2 to
// the systems, so the page's default URLs work as they do behind nginx. Targets come from the
// contract's env vars: HTTP_PORT (3001) and WS_PORT (3003) on HOST (127.0.0.1), or S1_URL/S2_URL.
// `vite preview` (the package's `start`, `pnpm demo`, the browser tests through serve.ts) sends the
// same security headers as nginx does in compose (security-headers.ts; test/stack compares them).
import { defineConfig, type Plugin, type ProxyOptions } from 'vite';
import { SECURITY_HEADERS } from './security-headers.js';

const host = process.env.HOST && process.env.HOST !== '0.0.0.0' ? process.env.HOST : '127.0.0.1';
const s1 = process.env.S1_URL ?? `http://${host}:${process.env.HTTP_PORT ?? 3001}`;
const s2 = process.env.S2_URL ?? `http://${host}:${process.env.WS_PORT ?? 3003}`;

/** Same-origin /s1 and /s2 (HTTP, SSE and WebSocket upgrades) to the two systems, prefix stripped. */
export function systemProxies(targets: { s1: string; s2: string }): Record<string, ProxyOptions> {
  const proxy = (prefix: string, target: string): ProxyOptions => ({
    target,
    ws: true,
    changeOrigin: true,
    // the systems count their per-client read limits by the viewer's address, not the proxy's
    xfwd: true,
    rewrite: (path) => path.slice(prefix.length) || '/',
  });
  return { '/s1': proxy('/s1', targets.s1), '/s2': proxy('/s2', targets.s2) };
}

/**
 * The security headers on every answer of the preview server: files, the page's fallback and 404s
 * alike (Vite's own `preview.headers` reach only the files it serves).
 */
function securityHeaders(): Plugin {
  return {
    name: 'ingestlab:security-headers',
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
        next();
      });
    },
  };
}

export default defineConfig({
  // Read workspace packages from source, as tests and tsx do: no build of metric-schema needed.
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  base: './',
  plugins: [securityHeaders()],
  server: { port: 5173, strictPort: true, host: '127.0.0.1', proxy: systemProxies({ s1, s2 }) },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1', proxy: systemProxies({ s1, s2 }) },
  build: { outDir: 'dist', target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 600 },
});

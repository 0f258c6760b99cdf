// Where things are: the repository root, each system's entry points, and tsx's loader, so the suite
// runs the systems from source exactly as `tsx --conditions=source` would, but as one node process.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const APPS = {
  http: {
    dir: `${REPO_ROOT}apps/http-ingest`,
    server: `${REPO_ROOT}apps/http-ingest/src/server.ts`,
    worker: `${REPO_ROOT}apps/http-ingest/src/worker.ts`,
  },
  ws: {
    dir: `${REPO_ROOT}apps/ws-ingest`,
    server: `${REPO_ROOT}apps/ws-ingest/src/server.ts`,
  },
} as const;

/**
 * The `--import` URL that registers tsx in a plain node process. The suite runs `node --import tsx`
 * rather than the tsx CLI because the CLI forks a child: a kill -9 of the CLI would orphan the real
 * server, and /proc memory readings would measure the wrapper.
 */
export function tsxLoaderUrl(): string {
  const require = createRequire(`${REPO_ROOT}package.json`);
  return pathToFileURL(require.resolve('tsx')).href;
}

/** True when the system's entry files exist (the systems are built in parallel with this suite). */
export function systemPresent(system: 'http' | 'ws'): boolean {
  return system === 'http'
    ? existsSync(APPS.http.server) && existsSync(APPS.http.worker)
    : existsSync(APPS.ws.server);
}

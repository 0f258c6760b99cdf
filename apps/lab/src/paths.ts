// Where the lab finds what it runs: the repository, each system's entry point from source, the
// dashboard's build, the shipped scenarios, and tsx's loader for `node --import`.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const ENTRIES = {
  s1Server: join(REPO_ROOT, 'apps/http-ingest/src/server.ts'),
  s1Worker: join(REPO_ROOT, 'apps/http-ingest/src/worker.ts'),
  s2: join(REPO_ROOT, 'apps/ws-ingest/src/server.ts'),
  loadHost: fileURLToPath(new URL('./load/load-host.ts', import.meta.url)),
} as const;

export const DASHBOARD_DIST = join(REPO_ROOT, 'apps/dashboard/dist');
export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

/**
 * The `--import` URL that registers tsx in a plain node process: the lab runs `node --import tsx`
 * rather than the tsx CLI, whose extra parent process would make the pid the lab signals a wrapper.
 */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
}

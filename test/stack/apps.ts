// Starts the real systems from source for the stack test: a private Redis, System 1 replicas and a
// worker, System 2 (tsx with the "source" condition, on free ports), all in one ChildGroup.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { answers, type ChildGroup, freePort, startRedis, waitUntil } from '@ingestlab/devkit';

export const REPO = join(import.meta.dirname, '..', '..');

/** The entry points each system needs; while one is missing, its part of the test is skipped. */
export const APP_ENTRIES = {
  system1: ['apps/http-ingest/src/server.ts', 'apps/http-ingest/src/worker.ts'],
  system2: ['apps/ws-ingest/src/server.ts'],
};

export function missingApps(system: keyof typeof APP_ENTRIES): string[] {
  return APP_ENTRIES[system].filter((entry) => !existsSync(join(REPO, entry)));
}

/** `node --import tsx --conditions=source <script>`, so workspace packages run from TypeScript. */
function fromSource(group: ChildGroup, name: string, app: string, script: string, env: NodeJS.ProcessEnv) {
  return group.start(name, process.execPath, ['--import', 'tsx', '--conditions=source', script], {
    cwd: join(REPO, 'apps', app),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    echo: process.env.STACK_TEST_ECHO === '1',
  });
}

export interface Systems {
  /** HTTP/1.1 port of each System 1 replica (none when System 1 is not started). */
  system1: number[];
  /** System 2's port, or null when it is not started. */
  system2: number | null;
}

/** Starts System 1 (`replicas` servers + 1 worker on a private Redis) and/or System 2, from source. */
export async function startSystems(
  group: ChildGroup,
  which: { system1: boolean; system2: boolean },
  replicas = 2,
): Promise<Systems> {
  const system1 = which.system1 ? await startSystem1(group, replicas) : [];
  let system2: number | null = null;
  if (which.system2) {
    system2 = await freePort();
    fromSource(group, 's2', 'ws-ingest', 'src/server.ts', { HOST: '127.0.0.1', WS_PORT: String(system2) });
  }
  for (const port of system2 === null ? system1 : [...system1, system2]) {
    await waitUntil(
      () => answers(`http://127.0.0.1:${port}/readyz`),
      60_000,
      () => `readyz on ${port}`,
      { intervalMs: 100, abort: () => group.died(2000) },
    );
  }
  return { system1, system2 };
}

async function startSystem1(group: ChildGroup, replicas: number): Promise<number[]> {
  const redis = await startRedis({ appendOnly: true });
  group.add(redis.process, { stop: () => redis.stop() });
  const base = { HOST: '127.0.0.1', REDIS_URL: redis.url };
  const ports: number[] = [];
  for (let i = 0; i < replicas; i++) {
    const [http, h2c, https] = [await freePort(), await freePort(), await freePort()];
    ports.push(http);
    fromSource(group, `s1-${i + 1}`, 'http-ingest', 'src/server.ts', {
      ...base,
      HTTP_PORT: String(http),
      H2C_PORT: String(h2c),
      HTTPS_PORT: String(https),
    });
  }
  fromSource(group, 's1-worker', 'http-ingest', 'src/worker.ts', base);
  return ports;
}

export interface ProducerSummary {
  samples: {
    sent: number;
    acknowledged: number;
    duplicates: number;
    refused: number;
    failed: number;
    missed: number;
  };
  batches: { sent: number; acknowledged: number; refused: number; failed: number };
  errors: Record<string, number>;
}

/** Runs the producers CLI from source to completion and returns its JSON summary. */
export async function produce(group: ChildGroup, name: string, args: string[]): Promise<ProducerSummary> {
  const child = group.start(
    name,
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=source',
      'src/cli.ts',
      '--json',
      '--quiet',
      '--incidents',
      'none',
      ...args,
    ],
    { cwd: join(REPO, 'packages', 'producers') },
  );
  const code = await child.exited;
  const output = child.output();
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"target"'));
  if (!line) throw new Error(`${name} printed no summary (exit ${code}):\n${output.slice(-2000)}`);
  return JSON.parse(line) as ProducerSummary;
}

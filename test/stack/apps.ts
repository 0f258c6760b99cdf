// Starts the real systems from source for the stack test: a private Redis, System 1 replicas and a
// worker, System 2 (tsx with the "source" condition, on free ports), all in one ChildGroup.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { answers, freePort, waitFor } from '../../scripts/lib/net.mjs';
import { type ChildGroup, startChild } from '../../scripts/lib/processes.mjs';
import { startPrivateRedis } from '../../scripts/lib/redis.mjs';

export const REPO = join(import.meta.dirname, '..', '..');

/** The entry points the stack test needs; while one is missing the test is skipped with its name. */
export const APP_ENTRIES = [
  'apps/http-ingest/src/server.ts',
  'apps/http-ingest/src/worker.ts',
  'apps/ws-ingest/src/server.ts',
];

export function missingApps(): string[] {
  return APP_ENTRIES.filter((entry) => !existsSync(join(REPO, entry)));
}

/** `node --import tsx --conditions=source <script>`, so workspace packages run from TypeScript. */
function fromSource(group: ChildGroup, name: string, app: string, script: string, env: NodeJS.ProcessEnv) {
  return group.add(
    startChild(name, process.execPath, ['--import', 'tsx', '--conditions=source', script], {
      cwd: join(REPO, 'apps', app),
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      echo: process.env.STACK_TEST_ECHO === '1',
    }),
  );
}

export interface Systems {
  redisUrl: string;
  /** HTTP/1.1 port of each System 1 replica. */
  system1: number[];
  system2: number;
}

export async function startSystems(group: ChildGroup, replicas = 2): Promise<Systems> {
  const redis = await startPrivateRedis(group, { port: await freePort() });
  const base = { HOST: '127.0.0.1', REDIS_URL: redis.url };
  const system1: number[] = [];
  for (let i = 0; i < replicas; i++) {
    const [http, h2c, https] = [await freePort(), await freePort(), await freePort()];
    system1.push(http);
    fromSource(group, `s1-${i + 1}`, 'http-ingest', 'src/server.ts', {
      ...base,
      HTTP_PORT: String(http),
      H2C_PORT: String(h2c),
      HTTPS_PORT: String(https),
    });
  }
  fromSource(group, 's1-worker', 'http-ingest', 'src/worker.ts', base);
  const system2 = await freePort();
  fromSource(group, 's2', 'ws-ingest', 'src/server.ts', { HOST: '127.0.0.1', WS_PORT: String(system2) });
  const died = () => {
    const dead = group.children.find((child) => !child.alive());
    return dead ? `${dead.name} exited:\n${dead.output().slice(-2000)}` : null;
  };
  for (const port of [...system1, system2]) {
    await waitFor(
      () => answers(`http://127.0.0.1:${port}/readyz`),
      60_000,
      () => `readyz on ${port}`,
      died,
    );
  }
  return { redisUrl: redis.url, system1, system2 };
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
  const child = group.add(
    startChild(
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
    ),
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

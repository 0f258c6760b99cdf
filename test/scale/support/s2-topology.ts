// Starts System 2 as shards for the scale tests: N shards and the merger from source (tsx, free
// ports) and the real nginx front door with its `hash $arg_producer consistent` ingest upstream,
// all in one ChildGroup so the test's stop leaves nothing behind.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, type ChildGroup, freePort, type ManagedProcess, waitUntil } from '@ingestlab/devkit';
import { ensureDevCert, startFrontDoor } from '../../../scripts/lib/front-door.js';

export const REPO = join(import.meta.dirname, '..', '..', '..');

export interface Shard {
  name: string;
  port: number;
  process: ManagedProcess;
}

export interface ShardTopology {
  shards: Shard[];
  mergerPort: number;
  /** nginx's plain-http port: producers use ws://127.0.0.1:<port>/s2, reads go to /s2/... (the merger). */
  frontPort: number;
}

function fromSource(group: ChildGroup, name: string, script: string, env: NodeJS.ProcessEnv): ManagedProcess {
  return group.start(name, process.execPath, ['--import', 'tsx', '--conditions=source', script], {
    cwd: join(REPO, 'apps', 'ws-ingest'),
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    echo: process.env.SCALE_TEST_ECHO === '1',
  });
}

async function ready(group: ChildGroup, port: number): Promise<void> {
  await waitUntil(
    () => answers(`http://127.0.0.1:${port}/readyz`),
    // Generous: starting tsx processes on a busy two-core machine can take most of a minute.
    120_000,
    () => `readyz on ${port}`,
    { intervalMs: 100, abort: () => group.died(2000) },
  );
}

/** Starts `count` shards (named s2-a, s2-b, ...), the merger over them, and nginx in front. */
export async function startShardTopology(
  group: ChildGroup,
  count: number,
  mergerEnv: NodeJS.ProcessEnv = {},
): Promise<ShardTopology> {
  const shards: Shard[] = [];
  for (let i = 0; i < count; i++) {
    const name = `s2-${String.fromCharCode(97 + i)}`;
    const port = await freePort();
    shards.push({
      name,
      port,
      process: fromSource(group, name, 'src/shard/server.ts', { WS_PORT: String(port) }),
    });
  }
  const mergerPort = await freePort();
  fromSource(group, 'merger', 'src/merger/server.ts', {
    MERGER_PORT: String(mergerPort),
    SHARD_URLS: shards.map((s) => `${s.name}=http://127.0.0.1:${s.port}`).join(','),
    ...mergerEnv,
  });
  for (const shard of shards) await ready(group, shard.port);
  await ready(group, mergerPort);
  // The merger is ready once one shard answers; a feed whose first poll came before its shard listened
  // is down for a retry pause, and windows published meanwhile go out without it (its partials come
  // late and are refused). The tests start their load once the merger has every shard.
  let states: string[] = [];
  await waitUntil(
    async () => {
      const stats = (await (await fetch(`http://127.0.0.1:${mergerPort}/stats`)).json()) as {
        shards?: { state: string }[];
      };
      states = (stats.shards ?? []).map((shard) => shard.state);
      return states.length === count && states.every((state) => state === 'up');
    },
    60_000,
    () => `the merger to see every shard up (states: ${states.join(', ')})`,
    { intervalMs: 100, abort: () => group.died(2000) },
  );
  const certDir = mkdtempSync(join(tmpdir(), 'ingestlab-scale-cert-'));
  const { cert, key } = ensureDevCert(certDir);
  const [frontPort, httpsPort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
  await startFrontDoor(group, {
    httpPort: frontPort,
    httpsPort,
    system1: [`127.0.0.1:${dashboardPort}`],
    system2: [`127.0.0.1:${mergerPort}`],
    system2Ingest: shards.map((s) => `127.0.0.1:${s.port}`),
    dashboard: `127.0.0.1:${dashboardPort}`,
    cert,
    key,
  });
  return { shards, mergerPort, frontPort };
}

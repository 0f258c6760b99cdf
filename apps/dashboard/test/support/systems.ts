// Both real systems from source for the browser test: a private Redis, System 1's server and one
// worker, System 2, each on free ports, with stop and restart for the outage scenario.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  type ManagedProcess,
  type PrivateRedis,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';
import { packageDir } from './browser.js';

export const repoRoot = join(packageDir, '..', '..');

export interface RealSystems {
  redis: PrivateRedis;
  s1: { base: string; server: ManagedProcess; worker: ManagedProcess };
  s2: { base: string; port: number; server: ManagedProcess };
  /** Starts System 2 again on its port (after a kill). */
  restartS2(): Promise<void>;
  stop(): Promise<void>;
}

/** One node process with tsx's loader (not the tsx CLI, whose extra parent would survive a kill -9). */
function fromSource(name: string, entry: string, env: Record<string, string>): ManagedProcess {
  return startProcess(name, process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    echo: process.env.ECHO_SYSTEMS === '1',
  });
}

async function ready(base: string, child: ManagedProcess): Promise<void> {
  await waitUntil(
    async () => {
      if (child.child.exitCode !== null)
        throw new Error(`${child.name} exited: ${child.output().slice(-2000)}`);
      return (await fetch(`${base}/readyz`)).ok;
    },
    60_000,
    () => `${child.name} ready at ${base} (output: ${child.output().slice(-1500)})`,
    200,
  );
}

export async function startRealSystems(): Promise<RealSystems> {
  const redis = await startRedis();
  const certDir = mkdtempSync(join(tmpdir(), 'ingestlab-dash-certs-'));
  const [httpPort, h2cPort, httpsPort, wsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const s1Env = {
    REDIS_URL: redis.url,
    HTTP_PORT: String(httpPort),
    H2C_PORT: String(h2cPort),
    HTTPS_PORT: String(httpsPort),
    CERT_DIR: certDir,
  };
  const s1Server = fromSource('s1', 'apps/http-ingest/src/server.ts', s1Env);
  const s1Worker = fromSource('s1-worker', 'apps/http-ingest/src/worker.ts', s1Env);
  const startS2 = () => fromSource('s2', 'apps/ws-ingest/src/server.ts', { WS_PORT: String(wsPort) });
  const systems: RealSystems = {
    redis,
    s1: { base: `http://127.0.0.1:${httpPort}`, server: s1Server, worker: s1Worker },
    s2: { base: `http://127.0.0.1:${wsPort}`, port: wsPort, server: startS2() },
    async restartS2() {
      await systems.s2.server.stop();
      systems.s2.server = startS2();
      await ready(systems.s2.base, systems.s2.server);
    },
    async stop() {
      await Promise.all([systems.s2.server.stop(), s1Server.stop(), s1Worker.stop()]);
      await redis.stop();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all([ready(systems.s1.base, s1Server), ready(systems.s2.base, systems.s2.server)]);
  } catch (error) {
    await systems.stop();
    throw error;
  }
  return systems;
}

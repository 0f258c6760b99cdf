// Starts everything a comparison drives, as child processes from source on free ports: a private
// Redis, System 1 (server + N workers), System 2, and the two bare baselines. Stops them all.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type ManagedProcess,
  type PrivateRedis,
  findRedisServer,
  freePort,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const LOAD_TESTS = join(REPO_ROOT, 'load-tests');

export interface StackOptions {
  /** System 1 worker processes. Default 2. */
  workers?: number;
  /** Start the bare node:http and ws baselines. Default true. */
  baselines?: boolean;
  /** Start System 1. Default true. */
  system1?: boolean;
  /** Start System 2. Default true. */
  system2?: boolean;
  /** Write V8 CPU profiles of the node processes here (node --cpu-prof). Default off. */
  cpuProfDir?: string;
  /** Echo the children's output. Default false (it is kept and shown when something fails). */
  echo?: boolean;
}

export interface Endpoints {
  http1: string;
  h2c: string;
  h2: string;
  ws: string;
  /** Where /stats, /live and /live/sse are served. */
  system1: string;
  system2: string;
  bareHttp: string;
  bareWs: string;
}

export interface Stack {
  readonly urls: Partial<Endpoints>;
  readonly redis?: PrivateRedis;
  /** Name -> pid of every process to watch for CPU and memory. */
  pids(): Record<string, number>;
  /** Processes that exited while they should be running, with the end of their output. */
  casualties(): string[];
  stop(): Promise<void>;
}

/** `node` with tsx's loader and the `source` condition, so workspace packages run from TypeScript. */
export function nodeFromSource(script: string, cpuProfDir?: string): { command: string; args: string[] } {
  const tsx = pathToFileURL(createRequire(join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
  const args = ['--import', tsx, '--conditions=source'];
  if (cpuProfDir) args.push('--cpu-prof', '--cpu-prof-dir', cpuProfDir);
  args.push(script);
  return { command: process.execPath, args };
}

async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
  await response.arrayBuffer();
  return response.ok;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const processes: ManagedProcess[] = [];
  const stopping = { value: false };
  const urls: Partial<Endpoints> = {};
  const pidMap: Record<string, number> = {};
  let redis: PrivateRedis | undefined;
  const certDir = mkdtempSync(join(tmpdir(), 'ingestlab-compare-certs-'));
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });

  const launch = (name: string, script: string, env: Record<string, string>, profile = false) => {
    const { command, args } = nodeFromSource(script, profile ? options.cpuProfDir : undefined);
    const child = startProcess(name, command, args, {
      cwd: REPO_ROOT,
      // its own process group: Ctrl-C in the terminal reaches only the comparison, which then stops
      // the load, reconciles against still-running systems and stops them itself
      detached: true,
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
      echo: options.echo ?? false,
    });
    processes.push(child);
    if (child.child.pid) pidMap[name] = child.child.pid;
    return child;
  };
  const ready = async (child: ManagedProcess, url: string) =>
    waitUntil(
      async () => {
        if (child.child.exitCode !== null) throw new Error('exited');
        return answers(url);
      },
      60_000,
      () => `${child.name} at ${url} (output: ${child.output().slice(-1500)})`,
      200,
    );

  // detached children do not die with this process: if it exits without stop(), take them along
  const reap = () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.pid) safeKill(p.child.pid);
    if (redis?.process.child.pid) safeKill(redis.process.child.pid);
  };
  process.once('exit', reap);

  const stack: Stack = {
    urls,
    get redis() {
      return redis;
    },
    pids: () => ({ ...pidMap }),
    casualties: () =>
      stopping.value
        ? []
        : processes
            .filter((p) => p.child.exitCode !== null || p.child.signalCode !== null)
            .map(
              (p) =>
                `${p.name} exited (${p.child.exitCode ?? p.child.signalCode}): ${p.output().slice(-800)}`,
            ),
    async stop() {
      stopping.value = true;
      // graceful first (CPU profiles are written on a clean exit), servers before workers before Redis
      await Promise.all([...processes].reverse().map((p) => p.stop(8000)));
      await redis?.stop();
      process.removeListener('exit', reap);
      rmSync(certDir, { recursive: true, force: true });
    },
  };

  try {
    const waits: Promise<void>[] = [];
    if (options.system1 ?? true) {
      redis = await startRedisOwnGroup(certDir);
      if (redis.process.child.pid) pidMap.redis = redis.process.child.pid;
      const [httpPort, h2cPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
      const env = {
        REDIS_URL: redis.url,
        HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        H2C_PORT: String(h2cPort),
        HTTPS_PORT: String(httpsPort),
        CERT_DIR: certDir,
        // a capacity test measures the pipeline, not the per-address limiter (all load comes from 127.0.0.1)
        RATE_LIMIT_MAX: '0',
      };
      const server = launch('s1-server', 'apps/http-ingest/src/server.ts', env, true);
      for (let i = 0; i < (options.workers ?? 2); i++) {
        launch(`s1-worker-${i}`, 'apps/http-ingest/src/worker.ts', env, true);
      }
      urls.http1 = `http://127.0.0.1:${httpPort}`;
      urls.h2c = `http://127.0.0.1:${h2cPort}`;
      urls.h2 = `https://127.0.0.1:${httpsPort}`;
      urls.system1 = urls.http1;
      waits.push(ready(server, `${urls.http1}/readyz`));
    }
    if (options.system2 ?? true) {
      const wsPort = await freePort();
      const server = launch(
        's2-server',
        'apps/ws-ingest/src/server.ts',
        { HOST: '127.0.0.1', WS_PORT: String(wsPort) },
        true,
      );
      urls.ws = `ws://127.0.0.1:${wsPort}`;
      urls.system2 = `http://127.0.0.1:${wsPort}`;
      waits.push(ready(server, `${urls.system2}/readyz`));
    }
    if (options.baselines ?? true) {
      const [httpPort, wsPort] = [await freePort(), await freePort()];
      const bareHttp = launch('bare-http', join(LOAD_TESTS, 'src/baselines/bare-http-server.ts'), {
        PORT: String(httpPort),
      });
      const bareWs = launch('bare-ws', join(LOAD_TESTS, 'src/baselines/bare-ws-server.ts'), {
        PORT: String(wsPort),
      });
      urls.bareHttp = `http://127.0.0.1:${httpPort}`;
      urls.bareWs = `ws://127.0.0.1:${wsPort}`;
      waits.push(
        ready(bareHttp, `${urls.bareHttp}/healthz`),
        ready(bareWs, `http://127.0.0.1:${wsPort}/healthz`),
      );
    }
    await Promise.all(waits);
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/**
 * startRedis, but with redis-server in its own session (via setsid) so a terminal Ctrl-C does not
 * stop it before the comparison has reconciled. Falls back to a plain start without setsid.
 */
async function startRedisOwnGroup(scratchDir: string): Promise<PrivateRedis> {
  const binary = findRedisServer();
  const setsid = ['/usr/bin/setsid', '/bin/setsid'].find((p) => existsSync(p));
  if (!binary || !setsid) return startRedis();
  const wrapper = join(scratchDir, 'redis-server-own-session');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${setsid} ${binary} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const previous = process.env.REDIS_SERVER_BIN;
  process.env.REDIS_SERVER_BIN = wrapper;
  try {
    return await startRedis();
  } finally {
    if (previous === undefined) delete process.env.REDIS_SERVER_BIN;
    else process.env.REDIS_SERVER_BIN = previous;
  }
}

function safeKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

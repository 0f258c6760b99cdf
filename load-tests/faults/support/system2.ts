// System 2 under test: one ws-ingest process on a free port, which a case can kill -9 and restart.
import { type ManagedProcess, freePort } from '@ingestlab/devkit';
import { startApp, waitReady } from './node-app.js';
import { APPS } from './paths.js';

export interface System2Options {
  env?: Record<string, string>;
  /** Open-files limit for the server (prlimit); default inherited. */
  nofile?: number;
}

export interface System2 {
  server: ManagedProcess;
  /** http://127.0.0.1:<WS_PORT> for /stats, /live/sse ... */
  httpUrl: string;
  /** ws://127.0.0.1:<WS_PORT> */
  wsUrl: string;
  port: number;
  env: Record<string, string>;
  /**
   * Starts a new server process on the same port (and DATA_DIR, if any) after the old one stopped or
   * was killed; `env` overrides variables for this and later starts (an empty value unsets one).
   */
  restart(env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem2(options: System2Options = {}): Promise<System2> {
  const port = await freePort();
  const env: Record<string, string> = {
    WS_PORT: String(port),
    HOST: '127.0.0.1',
    // the cases poll /stats several times a second from one address; the per-IP read limit
    // (default 1200/min) is for dashboards, not for the test's own accounting
    HTTP_RATE_LIMIT_PER_MIN: '1000000',
    ...options.env,
  };
  const httpUrl = `http://127.0.0.1:${port}`;
  const start = async () => {
    const server = startApp('ws-ingest', APPS.ws.server, {
      cwd: APPS.ws.dir,
      env,
      ...(options.nofile !== undefined ? { nofile: options.nofile } : {}),
    });
    await waitReady(server, `${httpUrl}/readyz`);
    return server;
  };
  const system: System2 = {
    server: await start(),
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    env,
    async restart(overrides = {}) {
      await system.server.stop(2000);
      Object.assign(env, overrides);
      system.server = await start();
    },
    async stop() {
      await system.server.stop(5000);
    },
  };
  return system;
}

// Podman's Docker-compatible API on a private unix socket (`podman system service`), so Docker's
// CLI and docker-compose 1.29 drive podman through DOCKER_HOST as they would drive Docker's engine.
import { existsSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { type ManagedProcess, startProcess, waitUntil } from '@ingestlab/devkit';
import { type PodmanPaths, podmanEnv } from './podman-env.js';

/** GET /_ping on the socket: true when the API answers OK. */
export function pingSocket(socket: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export interface ApiService {
  readonly socket: string;
  readonly process: ManagedProcess;
  /** Stops the service (containers it started keep running: take them down first). */
  stop(): Promise<void>;
}

/** Starts `podman system service` on paths.socket and waits until it answers. */
export async function startApiService(paths: PodmanPaths): Promise<ApiService> {
  if (await pingSocket(paths.socket)) {
    throw new Error(`a podman service already answers on ${paths.socket}; stop it first`);
  }
  if (existsSync(paths.socket)) rmSync(paths.socket);
  // --time=0: no idle timeout; the service lives until stopped.
  const service = startProcess(
    'podman-service',
    'podman',
    ['system', 'service', '--time=0', `unix://${paths.socket}`],
    { env: podmanEnv(paths) },
  );
  await waitUntil(
    () => pingSocket(paths.socket),
    20_000,
    () => `podman system service on ${paths.socket}`,
    { intervalMs: 100, abort: () => (service.alive() ? null : `exited:\n${service.output().slice(-2000)}`) },
  );
  return {
    socket: paths.socket,
    process: service,
    async stop() {
      await service.stop(10_000);
      rmSync(paths.socket, { force: true });
    },
  };
}

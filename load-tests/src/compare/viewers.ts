// The comparison's handle on its viewer process: start it with so many WebSocket and SSE viewers
// per system, ask which windows it saw in a time span, stop it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, startProcess, waitUntil } from '@ingestlab/devkit';
import { REPO_ROOT, nodeFromSource } from './stack.js';
import type { FromViewers, ToViewers, ViewerSpec, ViewerWindow, ViewersStatus } from './viewer-protocol.js';

export interface Viewers {
  readonly pid: number | undefined;
  windows(from: number, to: number): Promise<ViewerWindow[]>;
  status(): Promise<ViewersStatus>;
  stop(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

export async function startViewers(specs: ViewerSpec[], timeoutMs = 60_000): Promise<Viewers> {
  const { command, args } = nodeFromSource(join(HERE, 'viewer-process.ts'));
  const child: ManagedProcess = startProcess('viewers', command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, VIEWERS: JSON.stringify(specs) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true, // out of the terminal's process group, like the stack (see stack.ts)
  });
  const waiting = new Map<number, (message: FromViewers) => void>();
  let started = false;
  let nextId = 1;
  child.child.on('message', (message: FromViewers) => {
    if (message.type === 'started') started = true;
    else waiting.get(message.id)?.(message);
  });
  const ask = <T extends FromViewers>(message: Omit<ToViewers, 'id'> & { type: ToViewers['type'] }) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new Error(
            `viewer process did not answer "${message.type}" (output: ${child.output().slice(-500)})`,
          ),
        );
      }, 10_000);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(answer as T);
      });
      child.child.send({ ...message, id } as ToViewers);
    });

  const viewers: Viewers = {
    pid: child.child.pid,
    async windows(from, to) {
      const answer = await ask<Extract<FromViewers, { type: 'windows' }>>({
        type: 'windows',
        from,
        to,
      } as ToViewers);
      return answer.windows;
    },
    async status() {
      const answer = await ask<Extract<FromViewers, { type: 'status' }>>({ type: 'status' } as ToViewers);
      return answer.status;
    },
    async stop() {
      await child.stop(3000);
    },
  };
  try {
    await waitUntil(
      () => {
        if (child.child.exitCode !== null) throw new Error('exited');
        return started;
      },
      timeoutMs,
      () => `viewer process to open its connections (output: ${child.output().slice(-800)})`,
      100,
    );
    const wanted = specs.reduce((sum, s) => sum + s.ws + s.sse, 0);
    // every viewer connected (or a clear error): a comparison with missing viewers would mislead
    await waitUntil(
      async () => {
        const status = await viewers.status();
        return Object.values(status.connected).reduce((s, n) => s + n, 0) >= wanted;
      },
      timeoutMs,
      () => `all ${wanted} viewers to connect`,
      250,
    );
  } catch (error) {
    await viewers.stop();
    throw error;
  }
  return viewers;
}

// Child processes for tests, dev and demo: started with a readiness check, stopped for sure.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** Everything the process printed, kept for error messages (last 64 KiB). */
  output(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves with the exit code once it is gone. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface StartOptions extends SpawnOptions {
  /** Echo the child's output to this process's stdout/stderr with a name prefix. */
  echo?: boolean;
}

const OUTPUT_LIMIT = 64 * 1024;

export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions = {},
): ManagedProcess {
  const { echo = false, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  let buffer = '';
  const keep = (chunk: Buffer, stream: NodeJS.WriteStream) => {
    const text = chunk.toString();
    buffer = (buffer + text).slice(-OUTPUT_LIMIT);
    if (echo) stream.write(text.replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', (chunk: Buffer) => keep(chunk, process.stdout));
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk, process.stderr));
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      buffer += `\n${error.message}`;
      resolve(null);
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    name,
    exited,
    output: () => buffer,
    async stop(graceMs = 5000) {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Polls `probe` until it resolves true, or throws with `describe()` after timeoutMs. */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string = () => 'condition',
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // a probe that throws counts as "not yet": the thing it asks may still be starting
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

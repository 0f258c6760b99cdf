// Child processes for tests, dev and demo: named, output kept (and echoed with a prefix if asked),
// started without waiting and stopped for sure (signal, then SIGKILL after a grace period).
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { guardedCommand, type ProcessGuards } from './process-guards.js';

// waitUntil lived here first; the ./processes subpath keeps exporting it.
export { type WaitOptions, waitUntil } from './wait.js';

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** Everything the process printed, kept for error messages (last 64 KiB). */
  output(): string;
  /** True while the process runs (false once it exited, was killed, or never started). */
  alive(): boolean;
  /**
   * Sends `signal` (default SIGTERM), then SIGKILL after graceMs (default 5000); resolves with the
   * exit code once it is gone (null: ended by a signal or never started).
   */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<number | null>;
  /** Sends a signal now (to its whole process group when started detached); nothing if it is gone. */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code when the process ends, however it ends. */
  readonly exited: Promise<number | null>;
}

export interface StartOptions extends SpawnOptions, ProcessGuards {
  /** Echo the child's output to this process's stdout/stderr, each line prefixed `[name] `. Default false. */
  echo?: boolean;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Spawns `command args` with stdout/stderr captured. Spawn options pass through; `detached: true`
 * puts the child in its own process group, so a terminal's Ctrl-C reaches only this process,
 * which can then stop its children in order (see ChildGroup). `dieWithParent` and `openFiles` start
 * it under the guards of process-guards.ts (the pid is still the command's).
 */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions = {},
): ManagedProcess {
  const { echo = false, dieWithParent, openFiles, ...spawnOptions } = options;
  const [file, argv] = guardedCommand(command, args, { dieWithParent, openFiles });
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
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
    child.once('exit', (code) => {
      // Its last output may still be in the pipes: wait for them to close, but not for long, as a
      // grandchild that inherited them could hold them open.
      const timer = setTimeout(() => resolve(code), 200);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    child.once('error', (error) => {
      buffer += `\n${error.message}`;
      resolve(null);
    });
  });
  // pid is undefined when spawn failed (e.g. ENOENT): such a child was never alive.
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  // A detached child leads its own process group: signal the group, so what it started itself (nginx's
  // workers, tsx's esbuild) goes with it. A master killed alone would leave its workers running.
  const signal = (name: NodeJS.Signals) => {
    if (!alive()) return;
    if (spawnOptions.detached && child.pid !== undefined) {
      try {
        process.kill(-child.pid, name);
        return;
      } catch {
        // the group is already gone, or was never made: fall back to the process itself
      }
    }
    child.kill(name);
  };
  return {
    child,
    name,
    exited,
    output: () => buffer,
    alive,
    signal,
    async stop(graceMs = 5000, stopSignal: NodeJS.Signals = 'SIGTERM') {
      if (!alive()) return exited;
      signal(stopSignal);
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      signal('SIGKILL');
      return exited;
    },
  };
}

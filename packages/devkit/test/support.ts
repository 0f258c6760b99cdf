// Small real child processes for the devkit tests: node -e programs that print, wait and exit.
import { execFileSync } from 'node:child_process';
import { type ManagedProcess, waitUntil } from '../src/index.js';

/** Arguments for `node -e <program>`. */
export const nodeEval = (program: string): [string, string[]] => [process.execPath, ['-e', program]];

/** Prints "ready", then lives until SIGTERM (or ignores it with stubborn), printing the signal it got. */
export function sleeper(options: { stubborn?: boolean } = {}): [string, string[]] {
  return nodeEval(`
    for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => {
      console.log('got ' + signal);
      if (!${Boolean(options.stubborn)}) process.exit(0);
    });
    setInterval(() => {}, 1000);
    console.log('ready');
  `);
}

export async function ready(child: ManagedProcess): Promise<void> {
  await waitUntil(
    () => child.output().includes('ready'),
    20_000,
    () => `${child.name} to print ready`,
    { abort: () => (child.alive() ? null : `exited: ${child.output()}`) },
  );
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process group id of a pid (ps works on Linux and macOS). */
export function processGroup(pid: number): number {
  return Number(
    execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)])
      .toString()
      .trim(),
  );
}

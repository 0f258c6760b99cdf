// `pnpm lab` as a user runs it, for the tests: the real root script in its own process group (as a
// terminal would start it), its printed address read from its output, its API at hand, and the
// process tree it grew, read from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, startProcess, waitUntil } from '@ingestlab/devkit';
import type { LabAction, LabState } from '@ingestlab/metric-schema';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface RunningLab {
  process: ManagedProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  token: string;
  /** The address the lab printed, with its token. */
  url: string;
  state(): Promise<LabState>;
  act(action: LabAction): Promise<{ status: number; body: { id?: string; error?: string } }>;
}

/** Starts `pnpm lab -- <args>` and resolves once it printed its address. */
export async function runLab(args: string[], timeoutMs = 240_000): Promise<RunningLab> {
  const child = startProcess('pnpm-lab', 'pnpm', ['lab', '--', ...args], {
    cwd: REPO_ROOT,
    detached: true,
    echo: process.env.LAB_TEST_ECHO === '1',
  });
  const pattern = /The lab:\s+(http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)/;
  await waitUntil(
    () => pattern.test(child.output()),
    timeoutMs,
    () => `pnpm lab to print its address; output so far:\n${child.output().slice(-3000)}`,
    { intervalMs: 200, abort: () => (child.alive() ? null : `exited:\n${child.output().slice(-3000)}`) },
  );
  const [, base, token] = pattern.exec(child.output()) as unknown as [string, string, string];
  const headers = { authorization: `Bearer ${token}` };
  return {
    process: child,
    base,
    token,
    url: `${base}/?token=${token}`,
    async state() {
      const response = await fetch(`${base}/api/lab/state`, { headers });
      if (!response.ok) throw new Error(`state answered ${response.status}`);
      return (await response.json()) as LabState;
    },
    async act(action) {
      const response = await fetch(`${base}/api/lab/actions`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(action),
      });
      return { status: response.status, body: (await response.json()) as { id?: string; error?: string } };
    },
  };
}

/** Every process on the machine as pid → [ppid, state letter, command]. */
function processTable(): Map<number, [number, string, string]> {
  const table = new Map<number, [number, string, string]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(join('/proc', name, 'stat'), 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      const cmdline = readFileSync(join('/proc', name, 'cmdline'), 'utf8')
        .replaceAll('\0', ' ')
        .trim();
      table.set(Number(name), [Number(ppid), state ?? '?', cmdline]);
    } catch {
      // gone while reading
    }
  }
  return table;
}

/** The pids below `root` (not itself), with their commands. */
export function descendants(root: number): Map<number, string> {
  const table = processTable();
  const found = new Map<number, string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, [ppid, , cmd]] of table) {
      if (frontier.includes(ppid) && !found.has(pid)) {
        found.set(pid, cmd);
        next.push(pid);
      }
    }
    frontier = next;
  }
  return found;
}

/** Of these pids, those still running (a zombie, dead but not yet reaped, does not count). */
export function stillRunning(pids: Iterable<number>): number[] {
  const table = processTable();
  return [...pids].filter((pid) => {
    const entry = table.get(pid);
    return entry !== undefined && entry[1] !== 'Z' && entry[1] !== 'X';
  });
}

/** Waits until none of these pids runs; fails listing the survivors with their commands. */
export async function expectAllGone(pids: Map<number, string>, timeoutMs: number): Promise<void> {
  await waitUntil(
    () => stillRunning(pids.keys()).length === 0,
    timeoutMs,
    () =>
      `these to be gone: ${stillRunning(pids.keys())
        .map((pid) => `${pid} ${pids.get(pid)}`)
        .join('; ')}`,
    { intervalMs: 100 },
  );
}

/** SIGKILL whatever of these still runs (a failed test must not leave them behind). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of stillRunning(pids)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

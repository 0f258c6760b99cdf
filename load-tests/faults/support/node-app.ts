// Starts one system process from source (node + tsx loader) with its environment, optionally with a
// raised open-files limit, and reads its resident memory from /proc.
import { existsSync, readFileSync } from 'node:fs';
import { type ManagedProcess, startProcess } from '@ingestlab/devkit';
import { tsxLoaderUrl } from './paths.js';

export interface AppProcessOptions {
  /** Working directory (the app's folder, so relative defaults such as CERT_DIR land there). */
  cwd: string;
  /** Environment added to this process's own. */
  env: Record<string, string>;
  /** Open-files limit for the child (soft and hard), set with prlimit(1); default: inherited. */
  nofile?: number;
  /** Echo the child's output (FAULTS_ECHO=1 turns it on for every process). */
  echo?: boolean;
}

export function startApp(name: string, entry: string, options: AppProcessOptions): ManagedProcess {
  const node = process.execPath;
  const nodeArgs = ['--import', tsxLoaderUrl(), '--conditions=source', entry];
  // prlimit execs the command, so the pid stays the node process's (kill -9 reaches the server itself)
  // without privileges a limit can only be raised up to the hard limit: ask for no more than that
  const nofile =
    options.nofile === undefined ? undefined : Math.min(options.nofile, openFilesLimit('self', 'hard'));
  const [command, args] =
    nofile !== undefined && nofile > openFilesLimit('self') && existsSync('/usr/bin/prlimit')
      ? ['/usr/bin/prlimit', [`--nofile=${nofile}:${nofile}`, '--', node, ...nodeArgs]]
      : [node, nodeArgs];
  return startProcess(name, command, args as string[], {
    cwd: options.cwd,
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    echo: options.echo ?? process.env.FAULTS_ECHO === '1',
  });
}

/** Resident set size of a process in bytes (Linux /proc), or null when it is gone or unreadable. */
export function rssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The open-files limit (soft, or hard) of a process, from /proc/<pid>/limits; Infinity when unlimited. */
export function openFilesLimit(pid: number | 'self' = 'self', which: 'soft' | 'hard' = 'soft'): number {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const value = line?.split(/\s{2,}/)[which === 'soft' ? 1 : 2];
    return value === undefined || value === 'unlimited' ? Number.POSITIVE_INFINITY : Number(value);
  } catch {
    return 1024;
  }
}

/**
 * Waits until `url` answers 200, failing at once (with the process's output) if the process exits
 * first, or after timeoutMs (then the process is stopped, so a failed start leaves no orphan).
 */
export async function waitReady(app: ManagedProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void app.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${app.name} exited before it was ready:\n${app.output().slice(-3000)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const output = app.output().slice(-3000);
      // A process that never became ready must not outlive the failed start (it would be an orphan).
      await app.stop(2000).catch(() => {});
      throw new Error(`${app.name} not ready at ${url} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RssSampler {
  /** Highest RSS seen so far, bytes. */
  peak(): number;
  stop(): void;
}

/** Samples a process's RSS every `everyMs` to catch its peak during a case. */
export function sampleRss(pid: number | undefined, everyMs = 200): RssSampler {
  let peak = rssBytes(pid) ?? 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid) ?? 0);
  }, everyMs);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

export const MB = 1024 * 1024;

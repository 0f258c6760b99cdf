// Open-file limits for fleets: every per-host connection is a file descriptor on each side. Reads the
// process's limit from /proc and, when it is too low, raises it with prlimit(1) (the soft limit up to
// the hard one for anyone; the hard one too when allowed, e.g. as root, up to fs.nr_open). Children
// started afterwards inherit the raised limit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OpenFileLimit {
  soft: number;
  hard: number;
}

/** This process's RLIMIT_NOFILE, or null where /proc is not there. */
export function openFileLimit(pid: number | 'self' = 'self'): OpenFileLimit | null {
  try {
    const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (!line) return null;
    const value = (text: string | undefined) =>
      text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text);
    return { soft: value(line[1]), hard: value(line[2]) };
  } catch {
    return null;
  }
}

export interface OpenFilesOutcome {
  ok: boolean;
  /** What the limit was and is now. */
  before: OpenFileLimit | null;
  after: OpenFileLimit | null;
  /** Said when the limit could not be raised enough: what is needed and how to raise it. */
  advice?: string;
}

/**
 * Makes sure this process may open `needed` files, raising its limit with prlimit when it can.
 * Never throws; `ok: false` comes with advice for the user.
 */
export function ensureOpenFiles(needed: number): OpenFilesOutcome {
  const before = openFileLimit();
  if (!before || before.soft >= needed) return { ok: true, before, after: before };
  const hard = Math.max(before.hard, needed);
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${needed}:${hard}`], {
      stdio: 'ignore',
    });
  } catch {
    // no prlimit, or not allowed to raise the hard limit: fall through to the advice
  }
  const after = openFileLimit();
  if (after && after.soft >= needed) return { ok: true, before, after };
  const hardLimit = after?.hard ?? before.hard;
  const how =
    hardLimit >= needed
      ? `Raise it before starting: \`ulimit -n ${needed}\` in the shell.`
      : mayRaiseHardLimit()
        ? `Raise it before starting, as root: \`prlimit --pid $$ --nofile=${needed}:${needed}\` (up to /proc/sys/fs/nr_open).`
        : 'The hard limit cannot be raised from inside this environment (no CAP_SYS_RESOURCE, as in many ' +
          'containers): set it where the environment is made (`--ulimit nofile=N:N` for docker or podman, ' +
          '`LimitNOFILE=` for systemd), or run the generator on another machine.';
  return {
    ok: false,
    before,
    after,
    advice:
      `about ${needed} open files are needed (one per connection, plus some), but this process may open ` +
      `${after?.soft ?? before.soft} (hard limit ${hardLimit}). ${how} ` +
      'Or use fewer hosts, or pooled connections (--connections <n>).',
  };
}

/** Whether this process holds CAP_SYS_RESOURCE (bit 24), which raising a hard limit takes. */
function mayRaiseHardLimit(): boolean {
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
  } catch {
    return false;
  }
}

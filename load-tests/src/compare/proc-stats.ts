// CPU time and resident memory of processes, read from /proc (Linux): the servers, Redis, the viewer
// process and the load generator itself (this process, all its threads), sampled during each run.
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux this runs on (getconf CLK_TCK). */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** user + system CPU time so far, seconds. */
  cpuSeconds: number;
  /** Resident set size, MiB. */
  rssMiB: number;
  at: number;
}

/** One reading of a process, or null when it is gone (or /proc is not there). */
export function readProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may contain spaces: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssMiB: rssKb / 1024, at: Date.now() };
  } catch {
    return null;
  }
}

export interface ProcUsage {
  /** Average CPU over the measured span, percent of one core (200 % = both cores of this machine). */
  cpuPercent: number;
  rssMaxMiB: number;
  rssAvgMiB: number;
  /** RSS when watching began (before the run's connections opened), MiB. */
  rssStartMiB: number;
}

export interface ProcessWatch {
  /** From now on CPU is averaged from here (e.g. once a ramp is over); RSS keeps its first reading. */
  restartCpu(): void;
  stop(): Record<string, ProcUsage>;
}

/** Samples a set of named processes every intervalMs; `stop()` gives each one's usage over the span. */
export function watchProcesses(pids: Record<string, number>, intervalMs = 500): ProcessWatch {
  const start: Record<string, ProcSample> = {};
  const first: Record<string, ProcSample> = {};
  const last: Record<string, ProcSample> = {};
  const rss: Record<string, number[]> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const reading = readProc(pid);
      if (!reading) continue;
      start[name] ??= reading;
      first[name] ??= reading;
      last[name] = reading;
      const list = rss[name] ?? [];
      list.push(reading.rssMiB);
      rss[name] = list;
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    restartCpu() {
      for (const name of Object.keys(first)) delete first[name];
      sample();
    },
    stop() {
      clearInterval(timer);
      sample();
      const usage: Record<string, ProcUsage> = {};
      for (const name of Object.keys(pids)) {
        const a = first[name];
        const b = last[name];
        const values = rss[name] ?? [];
        if (!a || !b) continue;
        const seconds = (b.at - a.at) / 1000;
        usage[name] = {
          cpuPercent: seconds > 0 ? round1((100 * (b.cpuSeconds - a.cpuSeconds)) / seconds) : 0,
          rssMaxMiB: round1(Math.max(...values)),
          rssAvgMiB: round1(values.reduce((s, v) => s + v, 0) / Math.max(1, values.length)),
          rssStartMiB: round1(start[name]?.rssMiB ?? 0),
        };
      }
      return usage;
    },
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

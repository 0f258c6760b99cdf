// Cuts a V8 CPU profile (node --cpu-prof) down to a time span, so a bench's summary shows the
// measured seconds only, not start-up (module loading, JIT warm-up) or the drain after the load.
// V8 stamps profiles with the same monotonic clock as process.hrtime, in microseconds.
import { readFileSync, writeFileSync } from 'node:fs';

interface Profile {
  nodes: unknown[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the profiles' clock (microseconds of CLOCK_MONOTONIC). */
export function profileClockNow(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Writes the part of `file` sampled between `fromUs` and `toUs` to `out`. */
export function cutProfile(file: string, out: string, fromUs: number, toUs: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  let lastKept = fromUs;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    samples.push(profile.samples[i]!);
    timeDeltas.push(at - lastKept);
    lastKept = at;
  }
  writeFileSync(out, JSON.stringify({ ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas }));
}

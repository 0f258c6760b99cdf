// Flag handling shared by the repo's own CLIs (pnpm demo, pnpm stack): what pnpm hands them, and
// integer flags checked with a reason that names the flag.
export { scriptArgs } from '@ingestlab/devkit';

/** A flag or setting that is wrong: the message says which; the CLIs answer it with exit code 2. */
export class UsageError extends Error {}

/** `raw` as a whole number from min to max, else a UsageError naming `label` and what it got. */
export function integer(label: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`${label} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

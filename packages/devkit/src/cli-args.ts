// What the project's CLIs share: the arguments pnpm hands them, the error for a wrong flag, and
// integer flags checked with a reason that names the flag. Flags themselves are parsed with
// node:util parseArgs.

/** The arguments without a leading "--": pnpm 12 passes the `--` of `pnpm bench -- --seconds 5` through, and parseArgs would then take every flag for a positional. */
export function scriptArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}

/** A flag that is wrong: the message names it, what it got and what it accepts. CLIs answer it with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `raw` as a whole number from min to max, else a UsageError naming `flag` and what it got. */
export function integerFlag(flag: string, raw: string | undefined, min: number, max: number): number {
  const text = raw?.trim();
  const value = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

// What a CLI run through pnpm receives: pnpm 12 passes the `--` of `pnpm bench -- --seconds 5`
// through, and node:util parseArgs would then take every flag for a positional argument.

/** The arguments without a leading "--". */
export function scriptArgs(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv[0] === '--' ? argv.slice(1) : [...argv];
}

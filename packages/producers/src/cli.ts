#!/usr/bin/env node
// ingestlab-produce: the command line over runLoad. Flags in cli-args.ts; Ctrl-C (or SIGTERM) stops
// sending, drains in-flight acks and still prints the summary; a second Ctrl-C quits at once.
import { UsageError, USAGE, parseCli } from './cli-args.js';
import type { LoadProgress } from './load-options.js';
import { progressLine, summaryText } from './report.js';
import { runLoad, validateLoadOptions } from './run-load.js';

async function main(argv: string[]): Promise<number> {
  let config: ReturnType<typeof parseCli>;
  try {
    config = parseCli(argv);
    if (!config.help) validateLoadOptions(config.load);
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      process.stderr.write(
        `ingestlab-produce: ${error.message}\nRun "ingestlab-produce --help" for the options.\n`,
      );
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(`\n${signal} again: quitting without waiting for acks\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: stopped sending, waiting for in-flight acks (again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  const onProgress = config.quiet
    ? undefined
    : (progress: LoadProgress) => {
        const line = progressLine(progress);
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (progress.elapsedMs - lastPlain >= 5000) {
          // piped output gets a line every 5 s, not a redraw every second
          lastPlain = progress.elapsedMs;
          process.stderr.write(`${line}\n`);
        }
      };

  let summary: Awaited<ReturnType<typeof runLoad>>;
  try {
    summary = await runLoad({
      ...config.load,
      signal: controller.signal,
      ...(onProgress ? { onProgress } : {}),
    });
  } catch (error) {
    // a run that cannot start (e.g. too few open files for its connections) says why, without a stack
    if (!(error instanceof RangeError)) throw error;
    process.stderr.write(`ingestlab-produce: ${error.message}\n`);
    return 2;
  }
  if (tty && onProgress) process.stderr.write('\n');
  if (config.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    // the mark belongs on the terminal too when the summary goes to a pipe
    if (summary.generator.bound) {
      process.stderr.write(`GENERATOR-BOUND: ${summary.generator.reasons.join('; ')}\n`);
    } else if (summary.generator.late) {
      process.stderr.write(`LATE GENERATOR: ${summary.generator.reasons.join('; ')}\n`);
    }
  } else process.stdout.write(`${summaryText(summary)}\n`);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // what the system did not take counts; batches the generator itself was too late for are its own
  // problem, already marked GENERATOR-BOUND
  // end-to-end: an acknowledged batch never committed was still at risk when the run ended
  const { refused, failed } = summary.batches;
  const uncommitted = summary.endToEnd?.uncommitted.batches ?? 0;
  return refused + failed + summary.missedBy.backlog + uncommitted === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ingestlab-produce: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

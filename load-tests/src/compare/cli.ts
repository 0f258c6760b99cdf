// `pnpm compare`: parse flags, run the comparison, stop the stack, summarise CPU profiles, write the
// report. Ctrl-C stops the load, still reconciles the run in progress and writes what was measured.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentLoad, machineInfo } from '../report/machine.js';
import { summariseProfiles } from '../report/cpu-profile.js';
import { writeReport } from '../report/write-report.js';
import { runComparison } from './compare.js';
import { HELP, UsageError, parseOptions } from './options.js';
import type { ComparisonSummary } from './results.js';
import { REPO_ROOT } from './stack.js';

const RESULTS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../results');

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2), RESULTS_ROOT);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`compare: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (!options) {
    process.stdout.write(HELP);
    return 0;
  }
  // A run takes minutes to half an hour: find out now, not at the end, that its report has nowhere to go.
  try {
    mkdirSync(options.outDir, { recursive: true });
    accessSync(options.outDir, constants.W_OK);
  } catch (error) {
    console.error(
      `compare: --out ${options.outDir} is not a folder this process can write: ${(error as Error).message}`,
    );
    return 2;
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      console.log(
        `\n${signal}: stopping the load; reconciling and writing what was measured (again to quit at once)`,
      );
      abort.abort();
    } else {
      console.log('\nquitting without a report');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const machine = machineInfo();
  console.log(`ingestlab compare → ${options.outDir}`);
  console.log(
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}`,
  );
  const { summary, stack } = await runComparison(options, { signal: abort.signal });
  machine.loadAverage.end = currentLoad();
  const pids = stack?.pids() ?? {};
  console.log('stopping the stack ...');
  await stack?.stop();
  const profiles = options.cpuProf
    ? summariseProfiles(join(options.outDir, 'profiles'), pids, REPO_ROOT)
    : [];
  const full: ComparisonSummary = { machine, profiles, ...summary };
  const written = await writeReport(full, options.outDir);
  console.log(
    `report: ${join(written.dir, 'report.md')} (+ report.html, summary.json, ${written.files.filter((f) => f.endsWith('.png')).length} charts)`,
  );
  if (written.chartError) console.log(written.chartError);
  if (full.reconciliationFailures.length) {
    console.error(`\nRECONCILIATION FAILED in ${full.reconciliationFailures.length} case(s):`);
    for (const failure of full.reconciliationFailures) console.error(`  - ${failure}`);
    return 1;
  }
  if (abort.signal.aborted) return 130;
  console.log('every run reconciled: nothing acknowledged was lost');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`compare: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);

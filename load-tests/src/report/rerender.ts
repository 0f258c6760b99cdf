// Rewrites a results folder's report (report.md, report.html, charts) from its summary.json, e.g.
// after the report's layout changed. Usage: tsx --conditions=source src/report/rerender.ts <dir>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scriptArgs } from '@ingestlab/devkit/cli-args';
import type { ComparisonSummary } from '../compare/results.js';
import { writeReport } from './write-report.js';

const USAGE = 'usage: rerender <results folder holding summary.json>';
let parsed: ReturnType<
  typeof parseArgs<{ options: { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true }>
>;
try {
  parsed = parseArgs({
    args: scriptArgs(),
    options: { help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
} catch (error) {
  console.error(`rerender: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const dir = parsed.positionals[0];
if (!dir || parsed.positionals.length !== 1) {
  console.error(USAGE);
  process.exit(2);
}
const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ComparisonSummary;
// notes about charts come from the previous rendering; writing again adds them afresh if needed
summary.notes = summary.notes.filter((note) => !note.startsWith('charts not drawn'));
const written = await writeReport(summary, dir);
console.log(`rewrote ${written.files.join(', ')} in ${dir}`);

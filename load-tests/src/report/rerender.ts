// Rewrites a results folder's report (report.md, report.html, charts) from its summary.json, e.g.
// after the report's layout changed. Usage: tsx --conditions=source src/report/rerender.ts <dir>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComparisonSummary } from '../compare/results.js';
import { writeReport } from './write-report.js';

const dir = process.argv[2];
if (!dir || dir === '--help' || dir === '-h') {
  console.log('usage: rerender <results folder holding summary.json>');
  process.exit(dir ? 0 : 2);
}
const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as ComparisonSummary;
// notes about charts come from the previous rendering; writing again adds them afresh if needed
summary.notes = summary.notes.filter((note) => !note.startsWith('charts not drawn'));
const written = await writeReport(summary, dir);
console.log(`rewrote ${written.files.join(', ')} in ${dir}`);

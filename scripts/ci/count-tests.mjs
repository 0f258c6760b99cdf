// Adds up every package's vitest JSON report (.reports/*.json) into the one closing line CI reads:
// "N passed, N failed". A failed non-test step (build, lint...) counts as one failure, so a broken
// build can never end with "0 failed". Usage: node scripts/ci/count-tests.mjs <failed-steps>
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const failedSteps = Number(process.argv[2] ?? 0);
const reports = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git') continue;
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === '.reports') {
      for (const file of readdirSync(path)) if (file.endsWith('.json')) reports.push(join(path, file));
    } else walk(path);
  }
}
walk('.');

let passed = 0;
let failed = 0;
let skipped = 0;
// CI keeps only the tail of a long log: the failures are named again here, next to the count.
const failures = [];
for (const file of reports) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof report.numPassedTests !== 'number') continue;
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // a file that failed to load (syntax error, crash in a hook) has no failed tests but did fail
    for (const suite of report.testResults ?? []) {
      const failedTests = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const test of failedTests)
        failures.push(`${suite.name}: ${test.fullName}\n    ${messageHead(test.failureMessages)}`);
      if (suite.status === 'failed' && failedTests.length === 0) {
        failed += 1;
        failures.push(`${suite.name}: the file failed\n    ${messageHead([suite.message])}`);
      }
    }
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  } catch (error) {
    console.log(`${file}: unreadable report (${error.message})`);
    failed += 1;
  }
}
failed += failedSteps;
if (failures.length > 0) console.log(`failed tests:\n${failures.map((line) => `  ${line}`).join('\n')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);

/** The head of the first failure message: up to 6 lines and 1,200 characters, stack frames left out. */
function messageHead(messages) {
  const text = stripVTControlCharacters(String((messages ?? [])[0] ?? ''));
  const lines = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line))
    .slice(0, 6)
    .map((line) => line.slice(0, 600));
  if (lines.length === 0) return '(no message)';
  return lines.join('\n      ').slice(0, 1200);
}

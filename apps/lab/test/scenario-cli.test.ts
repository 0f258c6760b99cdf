// `pnpm lab -- --scenario FILE` plays a scenario headless through the lab's own API and writes its
// Markdown summary: one row per step and system, with rates, p99s, losses and the load average;
// then it stops everything and exits 0.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from '@ingestlab/devkit';
import { afterAll, expect, it } from 'vitest';
import { sweepStaleLabDirs } from '../src/stack/lab-dir.js';
import { descendants, expectAllGone, REPO_ROOT } from './support/run-lab.js';

const out = mkdtempSync(join(tmpdir(), 'ingestlab-lab-summary-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  sweepStaleLabDirs();
});

/** Plays a fixture scenario through `pnpm lab -- --scenario`; its summary, output and process tree. */
async function playFixture(name: string) {
  const scenario = fileURLToPath(new URL(`./fixtures/${name}.yaml`, import.meta.url));
  const summaryFile = join(out, `${name}.md`);
  const child = startProcess(
    'pnpm-lab-scenario',
    'pnpm',
    ['lab', '--', '--free-ports', '--port', '0', '--scenario', scenario, '--out', summaryFile],
    { cwd: REPO_ROOT, detached: true, echo: process.env.LAB_TEST_ECHO === '1' },
  );
  const tree = new Map<number, string>();
  const watch = setInterval(() => {
    for (const [pid, cmd] of descendants(child.child.pid as number)) tree.set(pid, cmd);
  }, 500);
  const code = await child.exited;
  clearInterval(watch);
  expect(code, child.output().slice(-3000)).toBe(0);
  return { scenario, summaryFile, child, tree, summary: readFileSync(summaryFile, 'utf8') };
}

/** The summary table's cells by column name, so a column added cannot shift what is checked. */
function tableOf(summary: string) {
  const lines = summary.split('\n');
  const header = (lines.find((line) => line.startsWith('| # |')) ?? '').split('|').map((c) => c.trim());
  const cell = (line: string, column: string) => line.split('|')[header.indexOf(column)]?.trim() ?? '';
  return { lines, cell };
}

it('plays a scenario headless and writes its summary', async () => {
  const { scenario, summaryFile, child, tree, summary } = await playFixture('tiny');
  expect(summary).toContain('# A tiny scenario for the tests');
  expect(summary).toContain(`pnpm lab -- --scenario ${scenario}`);
  expect(summary).toMatch(/load average \d+\.\d\d after the first step/);
  const rows = summary.split('\n').filter((line) => / \| System [12] \| /.test(line));
  expect(rows).toHaveLength(6);
  const { lines, cell } = tableOf(summary);
  const number = (text: string) => Number(text.replace(/[,≈]/g, ''));
  // step 1: both systems were asked for, and took, the fleet's 200 samples/s (100 hosts × 2/s)
  const first = lines.find((line) => line.startsWith('| 1 |')) ?? '';
  expect(number(cell(first, 'target/s'))).toBe(200);
  expect(number(cell(first, 'offered/s'))).toBeGreaterThan(150);
  // the last step drained: its losses are exact (no ≈), System 1's is 0
  const last = lines.find((line) => line.startsWith('| 3 |')) ?? '';
  expect(cell(last, 'lost')).toBe('0');
  const lastS2 = lines[lines.indexOf(last) + 1] ?? '';
  expect(cell(lastS2, 'lost')).toMatch(/^[\d,]+$/);
  expect(summary).toMatch(/System 2 killed: ≈[\d,]+ lost/);
  expect(child.output()).toContain(`summary written to ${summaryFile}`);
  // and nothing it started is left
  await expectAllGone(tree, 10_000);
}, 240_000);

it('measures a System 2 crash under end-to-end acknowledgements: nothing lost once drained', async () => {
  const { child, tree, summary } = await playFixture('tiny-end-to-end');
  const { lines, cell } = tableOf(summary);
  // a step's rows: System 1's first, System 2's on the next line
  const systemTwoRow = (step: number) => {
    const at = lines.findIndex((line) => line.startsWith(`| ${step} |`));
    return [lines[at], lines[at + 1]].find((line) => line?.includes('System 2')) ?? '';
  };
  expect(Number(cell(systemTwoRow(1), 'acked/s').replace(/,/g, '')), summary).toBeGreaterThan(0);
  // drained: System 2's loss is exact, and the crash, whose open window the producers sent again, cost 0
  expect(cell(systemTwoRow(3), 'lost'), summary).toBe('0');
  expect(summary).toMatch(
    /System 2 killed \(end-to-end: producers replay what is not committed\): ≈0 lost \(held [\d,]+ unpublished\)/,
  );
  expect(child.output()).toContain('summary written to');
  await expectAllGone(tree, 10_000);
}, 240_000);

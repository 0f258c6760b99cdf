// End to end: `pnpm compare` as a child process, reduced to one short step per target, against the
// real systems (private Redis, System 1 server + workers, System 2, both bare baselines). It must
// reconcile every run and write the whole report. A smoke test of the machinery, not a timed test.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ComparisonSummary } from '../src/compare/results.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PACKAGE = join(HERE, '..');
const TSX = join(PACKAGE, '../node_modules/.bin/tsx');
const out = mkdtempSync(join(tmpdir(), 'ingestlab-compare-test-'));

function compare(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['--conditions=source', 'src/compare/cli.ts', ...args],
      { cwd: PACKAGE, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGINT' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('pnpm compare (reduced --quick)', () => {
  it('drives every pipeline (JSON and MessagePack) and baseline, reconciles each run, and writes the report', async () => {
    const result = await compare(
      [
        '--quick',
        '--pipelines',
        'http1,h2c,h2,ws,http1+msgpack,ws+msgpack',
        '--series',
        'single,batched,fleet',
        '--rates-single',
        '500',
        '--rates-batched',
        '5000',
        '--fleet-hosts',
        '200',
        '--batch-size',
        '50',
        '--duration',
        '2',
        '--viewers',
        '20',
        '--workers',
        '1',
        '--out',
        out,
      ],
      330_000,
    );
    const context = `exit ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`;
    expect(result.code, context).toBe(0);
    expect(result.stdout).toContain('every run reconciled');
    for (const file of [
      'report.md',
      'report.html',
      'summary.json',
      'throughput-single.png',
      'latency-batched.png',
    ]) {
      expect(existsSync(join(out, file)), `${file} missing\n${context}`).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as ComparisonSummary;
    expect(summary.reconciliationFailures).toEqual([]);
    const targets = summary.ladders.map((l) => `${l.target}/${l.series}`).sort();
    expect(targets).toEqual(
      ['bare-http', 'bare-ws', 'h2', 'h2c', 'http1', 'ws', 'http1+msgpack', 'ws+msgpack']
        .flatMap((t) => [`${t}/batched`, `${t}/single`, `${t}/fleet`])
        .sort(),
    );
    for (const ladder of summary.ladders) {
      const run = ladder.steps[0]?.runs[0];
      expect(run, `${ladder.target} has no run`).toBeDefined();
      if (!run) continue;
      // every acknowledged sample was counted and aggregated exactly once
      expect(run.reconciliation.ok, JSON.stringify(run.reconciliation)).toBe(true);
      expect(run.samples.acknowledged).toBeGreaterThan(0);
      expect(run.reconciliation.aggregatedDelta).toBe(run.reconciliation.acceptedDelta);
      expect(run.processes['load-generator']?.cpuPercent).toBeGreaterThan(0);
      // the generator measured itself, and every run names its connection model
      expect(run.generator.cpuPercent).toBeGreaterThan(0);
      // the +msgpack pipelines sent MessagePack (fewer bytes per sample: checked below)
      expect(run.encoding).toBe(ladder.target.endsWith('+msgpack') ? 'msgpack' : 'json');
      expect(run.bodyBytesPerSample).toBeGreaterThan(50);
      expect(typeof run.generator.bound).toBe('boolean');
      if (ladder.series === 'fleet') {
        expect(ladder.unit).toBe('hosts');
        expect(run.connectionModel).toBe('per-host');
        expect(run.connections).toBe(200);
        expect(run.hosts).toBe(200);
      } else {
        expect(run.connectionModel).toBe('pooled');
      }
      if (!ladder.target.startsWith('bare-')) {
        expect(run.reconciliation.acceptedDelta).toBe(run.samples.acknowledged - run.samples.duplicates);
        // viewers on the loaded system saw windows with this run's samples
        expect(run.lag?.windows ?? 0, `${ladder.target}: no windows seen by viewers`).toBeGreaterThan(0);
      }
    }
    const bytes = (target: string, series: string) =>
      summary.ladders.find((l) => l.target === target && l.series === series)?.steps[0]?.runs[0]
        ?.bodyBytesPerSample ?? 0;
    for (const series of ['single', 'batched', 'fleet']) {
      expect(bytes('ws+msgpack', series), series).toBeLessThan(bytes('ws', series));
      expect(bytes('http1+msgpack', series), series).toBeLessThan(bytes('http1', series));
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| cores \| \d+ \|/);
    expect(markdown).toContain('## Reading');
    expect(markdown).toContain('## Steps: the fleet, one connection per host');
    expect(markdown).toContain('## The load generator');
    // the mark is in the report exactly when some run was generator-bound
    const bound = summary.ladders.some((l) => l.steps.some((s) => s.generatorBound));
    expect(markdown.includes('**GENERATOR-BOUND**')).toBe(bound);
    expect(existsSync(join(out, 'latency-fleet.png'))).toBe(true);
  }, 360_000);

  it('refuses bad flags with exit code 2 and a reason', async () => {
    const bad = await compare(['--repeats', 'zero'], 30_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--repeats must be an integer');
    const unknown = await compare(['--fast'], 30_000);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--fast"');
  }, 60_000);

  it('prints its options with --help', async () => {
    const help = await compare(['--help'], 30_000);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--quick');
    expect(help.stdout).toContain('--p99-bound');
  }, 30_000);
});

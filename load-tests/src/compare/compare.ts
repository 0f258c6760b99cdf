// The comparison: bring the stack and viewers up, climb each target's ladder of rates (repeating
// every step), reconcile after every run, stop cleanly on abort, and hand back everything measured.
import { type LoadProgress, ensureOpenFiles, openFileLimit } from '@ingestlab/producers';
import type { CompareOptions, SeriesName } from './options.js';
import { Progress, formatRate } from './progress.js';
import type { ComparisonSummary, LadderResult, PointRun, StepResult, TargetName } from './results.js';
import { type PointSpec, runPoint } from './run-point.js';
import { type Stack, startStack } from './stack.js';
import { summariseLadder, summariseStep } from './steps.js';
import { type Viewers, startViewers } from './viewers.js';
import type { ViewerSpec } from './viewer-protocol.js';

export const WINDOW_MS = 1000;
/** Seconds a point costs beyond its sending time (drain, reconcile, last window): for the estimate. */
const POINT_OVERHEAD_S = 4.5;
/** Quiet time before each run, so the previous one's after-work (GC, queue trimming) does not bleed in. */
const SETTLE_MS = 1000;
/** Length of the unrecorded warm-up run before each ladder, seconds (skipped with --quick, to stay under 2 min). */
const WARM_UP_S = 2;
/** Open files a comparison needs besides its fleet's connections (viewers, Redis, pipes, the runtime). */
const SPARE_FILES = 4096;

export interface CompareHooks {
  signal: AbortSignal;
  /** Called once the stack is up, with the pids to profile or inspect. */
  onStack?: (stack: Stack) => void;
  log?: (line: string) => void;
}

export interface CompareOutcome {
  summary: Omit<ComparisonSummary, 'machine' | 'profiles'>;
  stack: Stack | null;
}

/** System 2's pipelines (and its baseline): the WebSocket ones. */
function isSystem2(target: string): boolean {
  return target === 'ws' || target.startsWith('ws+') || target === 'bare-ws';
}

export function targetsFor(options: CompareOptions): TargetName[] {
  const http = options.pipelines.filter((p) => !isSystem2(p));
  const out: TargetName[] = [];
  if (http.length) {
    if (options.baselines) out.push('bare-http');
    out.push(...http);
  }
  const ws = options.pipelines.filter(isSystem2);
  if (ws.length) {
    if (options.baselines) out.push('bare-ws');
    out.push(...ws);
  }
  return out;
}

/** The steps of a series: samples/s for single and batched, hosts for the fleet. */
function stepsOf(options: CompareOptions, series: SeriesName): number[] {
  if (series === 'fleet') return options.fleetHosts;
  return series === 'single' ? options.ratesSingle : options.ratesBatched;
}

/**
 * Every per-host connection is a file in this process (the generator) and in the server: raise the
 * open-file limit before the stack starts, so its processes inherit it. Steps the limit cannot
 * hold are left out, and the report says so and how to raise it.
 */
function fitFleetToOpenFiles(
  options: CompareOptions,
  notes: string[],
  log: (line: string) => void,
): number[] {
  if (!options.series.includes('fleet')) return options.fleetHosts;
  const largest = Math.max(...options.fleetHosts);
  const outcome = ensureOpenFiles(largest + SPARE_FILES);
  const limit = outcome.after?.soft ?? openFileLimit()?.soft ?? Number.POSITIVE_INFINITY;
  if (outcome.ok) {
    if (outcome.before && outcome.after && outcome.after.soft > outcome.before.soft) {
      log(
        `raised the open-file limit from ${outcome.before.soft} to ${outcome.after.soft} for the fleet series`,
      );
    }
    return options.fleetHosts;
  }
  const fits = options.fleetHosts.filter((hosts) => hosts + SPARE_FILES <= limit);
  const left = options.fleetHosts.filter((hosts) => !fits.includes(hosts));
  const note = `fleet steps of ${left.join(', ')} hosts NOT RUN: ${outcome.advice}`;
  notes.push(note);
  log(note);
  return fits;
}

/**
 * Runs the whole comparison. The stack is left running in the outcome so the caller can stop it
 * (after collecting CPU profiles, which are written when the processes exit).
 */
export async function runComparison(options: CompareOptions, hooks: CompareHooks): Promise<CompareOutcome> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const startedAt = new Date().toISOString();
  const targets = targetsFor(options);
  const needSystem1 = targets.some((t) => !t.startsWith('bare-') && !isSystem2(t));
  const needSystem2 = targets.some((t) => !t.startsWith('bare-') && isSystem2(t));
  const ladders: LadderResult[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  const fleetHosts = fitFleetToOpenFiles(options, notes, log);
  const steps = (series: SeriesName) => (series === 'fleet' ? fleetHosts : stepsOf(options, series));
  let viewers: Viewers | null = null;
  let stack: Stack | null = null;
  let disconnects = 0;
  let viewerErrors: Record<string, number> = {};

  const base = {
    startedAt,
    command: options.command,
    options: { ...options } as Record<string, unknown>,
  };
  try {
    log(
      `starting: private Redis${needSystem1 ? `, System 1 (server + ${options.workers} workers)` : ''}${needSystem2 ? ', System 2' : ''}${options.baselines ? ', bare baselines' : ''} ...`,
    );
    stack = await startStack({
      workers: options.workers,
      baselines: options.baselines,
      system1: needSystem1,
      system2: needSystem2,
      ...(options.cpuProf ? { cpuProfDir: `${options.outDir}/profiles` } : {}),
    });
    hooks.onStack?.(stack);
    const urls = stack.urls;
    const specs: ViewerSpec[] = [];
    const sse = Math.round(options.viewers * options.sseShare);
    if (options.viewers > 0) {
      if (urls.system1) specs.push({ system: 'system1', url: urls.system1, ws: options.viewers - sse, sse });
      if (urls.system2) specs.push({ system: 'system2', url: urls.system2, ws: options.viewers - sse, sse });
      log(
        `connecting ${options.viewers} viewers per system (${options.viewers - sse} WebSocket, ${sse} SSE) ...`,
      );
      viewers = await startViewers(specs);
    }

    const totalPoints = options.series.reduce(
      (sum, series) => sum + targets.length * steps(series).length * options.repeats,
      0,
    );
    let donePoints = 0;
    const progress = new Progress(totalPoints, options.durationS + POINT_OVERHEAD_S);
    let runCounter = 0;

    for (const series of options.series) {
      const batchSize = series === 'batched' ? options.batchSize : 1;
      const rates = steps(series);
      for (const target of targets) {
        const done: StepResult[] = [];
        let rssBaseline: Record<string, number> | undefined;
        if (hooks.signal.aborted) break;
        // a short unrecorded run first: JIT, connection set-up and caches would otherwise land in step 1
        // (a fleet step's ramp already keeps its connection set-up out of the measurement)
        const first = rates[0];
        if (first !== undefined && !options.quick && series !== 'fleet') {
          progress.note(`  ${target} ${series}: warm-up run at ${formatRate(first)}/s (not recorded)`);
          const warm = await runPoint(
            {
              ...pointSpec(options, stack, target, series, batchSize, first, 0, ++runCounter),
              durationS: WARM_UP_S,
            },
            { pids: stack.pids(), viewers: null, viewerCount: 0, signal: hooks.signal },
          );
          if (!warm.reconciliation.ok) {
            failures.push(`${target} ${series} warm-up: ${warm.reconciliation.problems.join('; ')}`);
          }
        }
        for (const [stepIndex, rate] of rates.entries()) {
          if (hooks.signal.aborted) break;
          const runs: PointRun[] = [];
          for (let repeat = 1; repeat <= options.repeats; repeat++) {
            if (hooks.signal.aborted) break;
            const casualties = stack.casualties();
            if (casualties.length) throw new Error(`a process of the stack died:\n${casualties.join('\n')}`);
            progress.setRemaining(totalPoints - donePoints - 1);
            progress.begin({
              target,
              series,
              step: stepIndex + 1,
              steps: rates.length,
              repeat,
              repeats: options.repeats,
              label: series === 'fleet' ? `${formatRate(rate)} hosts` : `${formatRate(rate)}/s`,
              durationS: options.durationS + (series === 'fleet' ? rate / options.connectRate : 0),
            });
            await new Promise((r) => setTimeout(r, SETTLE_MS));
            const spec = pointSpec(options, stack, target, series, batchSize, rate, repeat, ++runCounter);
            const run = await runPoint(spec, {
              pids: { ...stack.pids(), ...(viewers?.pid ? { viewers: viewers.pid } : {}) },
              ...(rssBaseline ? { rssBaseline } : {}),
              viewers,
              viewerCount: options.viewers,
              signal: hooks.signal,
              onProgress: (p: LoadProgress) => progress.update(p),
            });
            donePoints++;
            runs.push(run);
            rssBaseline ??= Object.fromEntries(
              Object.entries(run.processes).map(([name, usage]) => [name, usage.rssStartMiB]),
            );
            const r = run.reconciliation;
            progress.done(
              `→ ${formatRate(run.achievedRate)}/s acked (${run.ackedShare === null ? '—' : `${Math.round(run.ackedShare * 1000) / 10} %`} of due), ` +
                `p99 ${run.latencyMs.p99 ?? '—'} ms from schedule (service ${run.serviceMs.p99 ?? '—'} ms)` +
                (run.lag ? `, delivery p99 ${run.lag.deliveryP99 ?? '—'} ms` : '') +
                `, generator ${Math.round(run.generator.cpuPercent)} % CPU` +
                `, ${r.ok ? 'reconciled' : 'NOT RECONCILED'} (${r.unit}: acked ${r.producerAcked}, accepted +${r.acceptedDelta}, aggregated +${r.aggregatedDelta})` +
                (run.generator.bound
                  ? ` — GENERATOR-BOUND: ${run.generator.reasons.join('; ')}`
                  : run.generator.late
                    ? ` — late generator: ${run.generator.reasons.join('; ')}`
                    : ''),
            );
            if (!r.ok) {
              const message = `${target} ${series} ${rate}/s run ${repeat}: ${r.problems.join('; ')}`;
              failures.push(message);
              progress.note(`RECONCILIATION FAILED: ${message}`);
            }
          }
          if (runs.length === 0) break;
          const step = summariseStep(runs, options.p99BoundMs);
          done.push(step);
          if (runs.some((r) => r.aborted)) break;
          if (!step.passed && !options.keepGoing) {
            const skipped = (rates.length - stepIndex - 1) * options.repeats;
            donePoints += skipped;
            const why = step.generatorBound ? 'the generator was the limit' : 'past the knee';
            if (skipped)
              progress.note(`  ${target} ${series}: ${why} (${step.verdict}); skipping higher steps`);
            break;
          }
        }
        if (done.length) ladders.push({ target, series, ...summariseLadder(done) });
        if (hooks.signal.aborted) break;
      }
      if (hooks.signal.aborted) break;
    }
    if (viewers) {
      const status = await viewers.status();
      disconnects = status.disconnects;
      viewerErrors = status.errors;
      if (status.disconnects) notes.push(`${status.disconnects} viewer connections dropped during the run`);
    }
  } catch (error) {
    notes.push(`the comparison stopped early: ${(error as Error).message}`);
    failures.push(`run broke: ${(error as Error).message.split('\n')[0]}`);
    log(`error: ${(error as Error).message}`);
  } finally {
    await viewers?.stop();
  }
  if (hooks.signal.aborted)
    notes.push('stopped by the user (Ctrl-C): the report holds what was measured up to then');
  return {
    summary: {
      ...base,
      finishedAt: new Date().toISOString(),
      aborted: hooks.signal.aborted,
      ladders,
      reconciliationFailures: failures,
      viewers: { perSystem: options.viewers, sseShare: options.sseShare, disconnects, errors: viewerErrors },
      notes,
    },
    stack,
  };
}

function pointSpec(
  options: CompareOptions,
  stack: Stack,
  target: TargetName,
  series: SeriesName,
  batchSize: number,
  rate: number,
  repeat: number,
  runNumber: number,
): PointSpec {
  const u = stack.urls;
  const where: Record<TargetName, { url?: string; stats?: string; viewed: string | null }> = {
    'bare-http': { url: u.bareHttp, stats: u.bareHttp, viewed: null },
    http1: { url: u.http1, stats: u.system1, viewed: 'system1' },
    h2c: { url: u.h2c, stats: u.system1, viewed: 'system1' },
    h2: { url: u.h2, stats: u.system1, viewed: 'system1' },
    'bare-ws': { url: u.bareWs, stats: u.bareWs?.replace(/^ws/, 'http'), viewed: null },
    ws: { url: u.ws, stats: u.system2, viewed: 'system2' },
    'http1+msgpack': { url: u.http1, stats: u.system1, viewed: 'system1' },
    'ws+msgpack': { url: u.ws, stats: u.system2, viewed: 'system2' },
  };
  const w = where[target];
  if (!w.url || !w.stats) throw new Error(`no endpoint for ${target}: its system was not started`);
  // the fleet: `rate` hosts, one connection and one sample a second each; the others: a fixed set of
  // hosts whose interval sets the rate, over pooled connections
  const fleet = series === 'fleet';
  const hosts = fleet ? rate : options.hosts;
  return {
    target,
    series,
    batchSize,
    offeredRate: rate, // fleet: hosts × 1 sample/s
    repeat,
    durationS: options.durationS,
    hosts,
    intervalMs: fleet ? 1000 : (hosts * 1000) / rate,
    seed: options.seed,
    connections: fleet ? 'per-host' : options.connections,
    // a TLS handshake costs the server about a millisecond of CPU: h2 ramps at a quarter of the rate
    ...(fleet
      ? {
          connectRate:
            target === 'h2' ? Math.max(1, Math.round(options.connectRate / 4)) : options.connectRate,
        }
      : {}),
    loadThreads: options.loadThreads,
    // unique per run: every run starts its producers' seq at 0, and must not look like a repeat
    // producer names allow [A-Za-z0-9._:-]: `ws+msgpack` becomes `ws.msgpack`
    producerPrefix: `cmp${runNumber}-${target.replace('+', '.')}-${Date.now().toString(36)}`,
    url: w.url,
    statsUrl: w.stats,
    viewedSystem: options.viewers > 0 ? w.viewed : null,
    windowMs: WINDOW_MS,
  };
}

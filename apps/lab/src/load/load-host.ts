// A load host: the child process that sends one system's fleet (runLoad, through the adapter), so a
// 10,000-host fleet has its own process, its own open-files budget and its own event loop, away from
// the control plane. It takes start and stop over IPC, reports totals every 250 ms, and probes ack
// latency with one more host. It exits when the lab goes (IPC closed), after draining on SIGINT.
import {
  createProbeSender,
  type FleetRun,
  type ProbeSender,
  type RunCounts,
  startFleetRun,
  ZERO_COUNTS,
} from './producers-adapter.js';
import type { FromLoadHost, ToLoadHost } from './load-host-protocol.js';

const REPORT_EVERY_MS = 250;
/** The probe host sends a single-sample batch this often while a run is going. */
const PROBE_EVERY_MS = 100;

if (!process.send) {
  console.error('load-host runs as a child of the lab (with an IPC channel); start `pnpm lab` instead');
  process.exit(2);
}
const send = (message: FromLoadHost) => {
  if (process.connected) process.send?.(message);
};

interface ActiveRun {
  id: number;
  run: FleetRun;
  stopping: boolean;
  startedAt: number;
}

/** When the newest progress of the sending run was taken: the time its counts are true of. */
let countsAt = Date.now();

const finished: RunCounts = { ...ZERO_COUNTS };
const active = new Map<number, ActiveRun>();
let probe: { sender: ProbeSender; timer: NodeJS.Timeout | undefined; inFlight: number } | null = null;
const probeCounts: RunCounts = { ...ZERO_COUNTS };
let probeLatencies: [number, number][] = [];
let exiting = false;

function add(into: RunCounts, from: RunCounts): RunCounts {
  into.sent += from.sent;
  into.acknowledged += from.acknowledged;
  into.refused += from.refused;
  into.failed += from.failed;
  into.missed += from.missed;
  into.retries += from.retries;
  into.inFlight += from.inFlight;
  return into;
}

function totals(): RunCounts {
  const sum = add({ ...ZERO_COUNTS }, finished);
  for (const { run } of active.values()) add(sum, run.counts());
  add(sum, probeCounts);
  sum.inFlight += probe?.inFlight ?? 0;
  return sum;
}

function report(): void {
  const running = [...active.values()].filter((a) => !a.stopping).length;
  // with a run sending, its counts are as of its last progress; otherwise they are final
  send({
    type: 'report',
    at: running > 0 ? countsAt : Date.now(),
    totals: totals(),
    running,
    draining: active.size - running,
    probe: probeLatencies,
  });
  probeLatencies = [];
}

async function stopProbe(): Promise<void> {
  const current = probe;
  probe = null;
  if (!current) return;
  clearInterval(current.timer);
  // let its last batches settle so their outcome is counted, then close
  const deadline = Date.now() + 10_000;
  while ((current.inFlight > 0 || !current.sender.committed()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  await current.sender.close();
}

function startProbe(spec: Extract<ToLoadHost, { type: 'start' }>['spec']): void {
  const sender = createProbeSender(
    spec.target,
    spec.url,
    `${spec.producerPrefix}-probe`,
    spec.seed,
    spec.endToEnd,
  );
  const state: NonNullable<typeof probe> = { sender, inFlight: 0, timer: undefined };
  state.timer = setInterval(() => {
    state.inFlight++;
    probeCounts.sent++;
    void sender.send().then((result) => {
      state.inFlight--;
      probeCounts.retries += result.retries;
      if (result.acknowledged) {
        probeCounts.acknowledged++;
        probeLatencies.push([Date.now(), Math.round((result.latencyMs ?? 0) * 100) / 100]);
      } else if (result.refused) probeCounts.refused++;
      else probeCounts.failed++;
    });
  }, PROBE_EVERY_MS);
  probe = state;
}

function stopRuns(): void {
  for (const entry of active.values()) {
    if (entry.stopping) continue;
    entry.stopping = true;
    entry.run.stop();
  }
}

function startRun(message: Extract<ToLoadHost, { type: 'start' }>): void {
  stopRuns();
  void stopProbe().then(() => {
    const entry = active.get(message.runId);
    if (!exiting && entry && !entry.stopping) startProbe(message.spec);
  });
  let run: FleetRun;
  try {
    run = startFleetRun(message.spec, () => {
      countsAt = Date.now();
    });
  } catch (error) {
    send({ type: 'run-failed', runId: message.runId, error: (error as Error).message });
    return;
  }
  const entry: ActiveRun = { id: message.runId, run, stopping: false, startedAt: Date.now() };
  active.set(message.runId, entry);
  run.done.then(
    (result) => {
      active.delete(message.runId);
      add(finished, result.counts);
      send({
        type: 'run-ended',
        runId: message.runId,
        counts: result.counts,
        ackP99Ms: result.ackP99Ms,
        elapsedMs: Date.now() - entry.startedAt,
      });
    },
    (error: Error) => {
      active.delete(message.runId);
      send({ type: 'run-failed', runId: message.runId, error: error.message });
    },
  );
}

process.on('message', (message: ToLoadHost) => {
  if (exiting) return;
  if (message.type === 'start') startRun(message);
  else if (message.type === 'stop') {
    stopRuns();
    void stopProbe();
  }
});

const reporter = setInterval(report, REPORT_EVERY_MS);

/** Stop sending, wait for the runs to drain (each bounded by its drain timeout), report, exit. */
async function drainAndExit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  stopRuns();
  await stopProbe();
  await Promise.allSettled([...active.values()].map((entry) => entry.run.done));
  clearInterval(reporter);
  report();
  process.exit(code);
}

process.on('SIGINT', () => void drainAndExit(0));
process.on('SIGTERM', () => void drainAndExit(0));
// the lab went away (its IPC channel closed): nothing is left to report to
process.on('disconnect', () => void drainAndExit(0));

send({ type: 'ready', pid: process.pid });

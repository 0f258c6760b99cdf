// What one scenario step showed, per system, and the Markdown summary of a played scenario: rates,
// ack and delivery p99, the queue, losses, and the machine's load average, so a figure is never
// read without the conditions it was taken in.
import { cpus, hostname, loadavg } from 'node:os';
import type { LabScenario } from '@ingestlab/metric-schema';

export interface SystemStepFigures {
  /** What the load asked for when the step ended (samples/s), 0 without load. */
  targetPerS: number;
  offeredPerS: number;
  acknowledgedPerS: number;
  aggregatedPerS: number;
  ackP99Ms: number | null;
  deliveryP99Ms: number | null;
  queueMax: number;
  /** Loss (acknowledged, never aggregated) when the step ended, and whether it was exact (drained). */
  lostAtEnd: number | null;
  lostExact: boolean;
  /** What the faults of this step cost, as settled when the scenario ended. */
  faultCosts: string[];
}

export interface StepRecord {
  index: number;
  title: string;
  actions: string[];
  startedAt: number;
  endedAt: number;
  loadAvg: number;
  systems: { s1: SystemStepFigures; s2: SystemStepFigures };
  /** Actions of the step that failed, with why. */
  failures: string[];
  /** Ids of the actions the step took (their fault costs are read when the scenario ends). */
  actionIds: string[];
}

const n = (value: number | null, unit = '') =>
  value === null ? '—' : `${Math.round(value).toLocaleString('en-US')}${unit}`;

export function summaryMarkdown(
  scenario: LabScenario,
  steps: StepRecord[],
  source: string,
  startedAt: number,
): string {
  const lines = [`# ${scenario.title}`, ''];
  if (scenario.about) lines.push(scenario.about.trim(), '');
  const first = steps[0];
  const last = steps[steps.length - 1];
  lines.push(
    `Played ${new Date(startedAt).toISOString()} on ${hostname()} (${cpus().length} cores) ${source}; load average ${first?.loadAvg.toFixed(2) ?? '—'} after the first step, ${last?.loadAvg.toFixed(2) ?? '—'} after the last. The load generator, both systems and Redis share this machine.`,
    '',
    "Per step and system: samples/s offered by the producers, acknowledged, and aggregated into published windows; ack p99 of the lab's probe host (one more host on the same transport); delivery p99 (a window's end to its arrival at a viewer); System 1's deepest queue (batches); the loss when the step ended (acknowledged samples in no published window: ≈ live, from what the system holds; exact once the load has stopped and everything has landed); what each fault cost, from what the system held when it struck (System 1 faults other than an emptied Redis: the change in System 1's accepted − aggregated − queued once its queue has drained).",
    '',
    '| # | step | s | system | target/s | offered/s | acked/s | aggregated/s | ack p99 | delivery p99 | queue max | lost | fault cost | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const step of steps) {
    const seconds = Math.round((step.endedAt - step.startedAt) / 100) / 10;
    for (const system of ['s1', 's2'] as const) {
      const f = step.systems[system];
      const lost = f.lostAtEnd === null ? '— (no /stats)' : `${f.lostExact ? '' : '≈'}${n(f.lostAtEnd)}`;
      lines.push(
        `| ${system === 's1' ? step.index : ''} | ${system === 's1' ? step.title.replaceAll('|', '\\|') : ''} | ${system === 's1' ? seconds : ''} | ${system === 's1' ? 'System 1' : 'System 2'} | ${n(f.targetPerS)} | ${n(f.offeredPerS)} | ${n(f.acknowledgedPerS)} | ${n(f.aggregatedPerS)} | ${n(f.ackP99Ms, ' ms')} | ${n(f.deliveryP99Ms, ' ms')} | ${system === 's1' ? n(f.queueMax) : '—'} | ${lost} | ${f.faultCosts.join('; ') || '—'} | ${system === 's1' ? step.loadAvg.toFixed(2) : ''} |`,
      );
    }
  }
  lines.push('');
  for (const step of steps) {
    if (step.actions.length === 0 && step.failures.length === 0) continue;
    lines.push(
      `- Step ${step.index}: ${step.actions.join('; ') || 'no action'}${step.failures.length ? ` — failed: ${step.failures.join('; ')}` : ''}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

export function currentLoadAvg(): number {
  return loadavg()[0] ?? 0;
}

// Plays a scenario: for each step, takes its actions (through the lab's one action queue, like any
// click), waits for them, holds for the step's time (and until recovered or drained, if asked), and
// records what each system showed meanwhile. One scenario at a time; stop() ends it between steps.
import type {
  LabActionRecord,
  LabScenario,
  LabScenarioStatus,
  LabStepAction,
} from '@ingestlab/metric-schema';
import { describeAction } from '../actions/describe.js';
import { holdMs } from './scenario-file.js';
import { currentLoadAvg, type StepRecord, type SystemStepFigures, summaryMarkdown } from './step-summary.js';

export type SystemId = 's1' | 's2';

export interface SystemSnapshot {
  /** Samples/s the load asks for now (0 without load). */
  targetRate: number;
  sent: number;
  acknowledged: number;
  aggregated: number;
  queueDepth: number;
  lost: number | null;
  lostExact: boolean;
}

/** What the player needs from the lab. */
export interface ScenarioHost {
  /** Queues an action as the scenario; throws with the reason when the lab refuses it. */
  submit(action: LabStepAction): LabActionRecord;
  /** Every process is running and System 1's queue is empty. */
  recovered(): boolean;
  /** Load stopped and everything acknowledged has landed (the loss is exact). */
  drained(): boolean;
  snapshot(system: SystemId): SystemSnapshot;
  probeLatencies(system: SystemId, from: number, to: number): number[];
  deliveryDelays(system: SystemId, from: number, to: number): number[];
  /** Settled costs of these actions' faults, as text. */
  faultCosts(system: SystemId, actionIds: string[]): string[];
  p99(values: number[]): number | null;
}

/** Longest a step waits for `until` beyond its hold. */
const UNTIL_LIMIT_MS = 5 * 60_000;
const TICK_MS = 500;

export class ScenarioPlayer {
  #status: LabScenarioStatus | null = null;
  #summary: string | null = null;
  #stopRequested = false;
  #playing: Promise<void> | null = null;

  constructor(private readonly host: ScenarioHost) {}

  get status(): LabScenarioStatus | null {
    return this.#status;
  }

  /** The Markdown summary of the last scenario that ended, or null. */
  get summary(): string | null {
    return this.#summary;
  }

  get playing(): boolean {
    return this.#status?.state === 'playing';
  }

  /** Starts playing in the background; throws when one is already playing. */
  play(scenario: LabScenario, source: string): void {
    if (this.playing) throw new Error(`scenario ${this.#status?.name} is playing; stop it first`);
    this.#stopRequested = false;
    this.#summary = null;
    const startedAt = Date.now();
    this.#status = {
      name: scenario.name,
      title: scenario.title,
      state: 'playing',
      step: 0,
      steps: scenario.steps.length,
      stepTitle: '',
      startedAt,
    };
    this.#playing = this.#run(scenario, source, startedAt);
  }

  /** Ends the scenario at the next tick; the actions already taken stay. */
  stop(): void {
    this.#stopRequested = true;
  }

  /** Resolves when the scenario playing now has ended (at once when none). */
  async finished(): Promise<void> {
    await this.#playing;
  }

  async #run(scenario: LabScenario, source: string, startedAt: number): Promise<void> {
    const records: StepRecord[] = [];
    const status = this.#status as LabScenarioStatus;
    let ending: LabScenarioStatus['state'] = 'done';
    try {
      for (const [i, step] of scenario.steps.entries()) {
        if (this.#stopRequested) break;
        status.step = i + 1;
        status.stepTitle = step.title;
        delete status.stepEndsAt;
        const record = await this.#playStep(i + 1, step, status);
        records.push(record);
      }
      if (this.#stopRequested) ending = 'stopped';
    } catch (error) {
      ending = 'failed';
      status.error = (error as Error).message;
    }
    delete status.stepEndsAt;
    // a fault settles once its system has recovered, often a step or two later: read them now
    await this.#waitForFaultsToSettle(records);
    for (const record of records) {
      for (const system of ['s1', 's2'] as const)
        record.systems[system].faultCosts = this.host.faultCosts(system, record.actionIds);
    }
    // the summary is there before the scenario says it has ended
    this.#summary = summaryMarkdown(scenario, records, source, startedAt);
    status.state = ending;
  }

  /** Up to 30 s for the costs of the scenario's faults to settle (none unsettled: at once). */
  async #waitForFaultsToSettle(records: StepRecord[]): Promise<void> {
    const ids = records.flatMap((r) => r.actionIds);
    const deadline = Date.now() + 30_000;
    const unsettled = () =>
      (['s1', 's2'] as const).some((system) =>
        this.host.faultCosts(system, ids).some((text) => text.endsWith('not settled yet')),
      );
    while (unsettled() && Date.now() < deadline && !this.#stopRequested) await sleep(TICK_MS);
  }

  async #playStep(
    index: number,
    step: LabScenario['steps'][number],
    status: LabScenarioStatus,
  ): Promise<StepRecord> {
    const startedAt = Date.now();
    const before = { s1: this.host.snapshot('s1'), s2: this.host.snapshot('s2') };
    const queueMax = { s1: before.s1.queueDepth, s2: 0 };
    const taken: LabActionRecord[] = [];
    const failures: string[] = [];
    for (const action of step.do ?? []) {
      try {
        taken.push(this.host.submit(action));
      } catch (error) {
        failures.push(`${describeAction(action)}: ${(error as Error).message}`);
      }
    }
    const sample = () => {
      queueMax.s1 = Math.max(queueMax.s1, this.host.snapshot('s1').queueDepth);
    };
    // the step's actions first: its hold starts once they have been carried out
    while (taken.some((r) => r.status === 'queued' || r.status === 'running') && !this.#stopRequested) {
      sample();
      await sleep(TICK_MS);
    }
    for (const record of taken)
      if (record.status === 'failed') failures.push(`${record.label}: ${record.error}`);
    const hold = holdMs(step.hold);
    const holdUntil = Date.now() + hold;
    status.stepEndsAt = holdUntil;
    const limit = holdUntil + UNTIL_LIMIT_MS;
    const condition =
      step.until === 'drained'
        ? () => this.host.drained()
        : step.until === 'recovered'
          ? () => this.host.recovered()
          : () => true;
    while (!this.#stopRequested) {
      sample();
      const now = Date.now();
      if (now >= holdUntil && condition()) break;
      if (now >= limit) {
        failures.push(`still not ${step.until} ${UNTIL_LIMIT_MS / 60_000} min after the hold`);
        break;
      }
      await sleep(TICK_MS);
    }
    const endedAt = Date.now();
    const ids = taken.map((r) => r.id);
    const figures = (system: SystemId): SystemStepFigures => {
      const after = this.host.snapshot(system);
      const seconds = Math.max(0.001, (endedAt - startedAt) / 1000);
      return {
        targetPerS: after.targetRate,
        offeredPerS: (after.sent - before[system].sent) / seconds,
        acknowledgedPerS: (after.acknowledged - before[system].acknowledged) / seconds,
        aggregatedPerS: (after.aggregated - before[system].aggregated) / seconds,
        ackP99Ms: this.host.p99(this.host.probeLatencies(system, startedAt, endedAt)),
        deliveryP99Ms: this.host.p99(this.host.deliveryDelays(system, startedAt, endedAt)),
        queueMax: queueMax[system],
        lostAtEnd: after.lost,
        lostExact: after.lostExact,
        faultCosts: [],
      };
    };
    return {
      index,
      title: step.title,
      actions: taken.map((r) => r.label),
      startedAt,
      endedAt,
      loadAvg: currentLoadAvg(),
      systems: { s1: figures('s1'), s2: figures('s2') },
      failures,
      actionIds: ids,
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

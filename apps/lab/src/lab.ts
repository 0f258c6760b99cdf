// The lab as one object: the processes, the load, what is observed of both systems, the action
// queue and the scenario player, wired together. The HTTP API (app.ts) and the process (server.ts)
// only talk to this.
import { openFilesHardLimit } from '@ingestlab/devkit';
import type { LabAction, LabActionRecord, LabState, LabStepAction } from '@ingestlab/metric-schema';
import { ActionQueue } from './actions/action-queue.js';
import { describeAction, markerLabel, systemsOf } from './actions/describe.js';
import { performFault } from './actions/faults.js';
import { type LabLimits, planLoad } from './actions/load-plan.js';
import { LabLog } from './lab-log.js';
import { INCIDENT_DEFAULT_S, LoadController, type SystemId } from './load/load-controller.js';
import { LiveTally } from './observe/live-tally.js';
import { p99 } from './observe/percentile.js';
import { StatsPoller } from './observe/stats-poller.js';
import { SystemScore } from './observe/system-score.js';
import type { LabOptions } from './options.js';
import { findScenario, parseScenario, ScenarioError } from './scenario/scenario-file.js';
import { ScenarioPlayer } from './scenario/scenario-player.js';
import { LabStack } from './stack/lab-stack.js';

/** A refusal the API answers with this status (400 or 422) and reason. */
export class LabRefusal extends Error {
  constructor(
    readonly status: 400 | 409 | 422,
    message: string,
    readonly field?: string,
    readonly limit?: Record<string, number>,
  ) {
    super(message);
  }
}

/**
 * A System 1 queue this deep (batches), and at least a second of the load's batches, then back to its
 * steady depth, is marked "queue drained".
 */
const BACKLOG_MARK = 50;

export class Lab {
  readonly log = new LabLog();
  readonly startedAt = Date.now();
  readonly limits: LabLimits;
  readonly stack: LabStack;
  readonly load: LoadController;
  readonly tallies: Record<SystemId, LiveTally>;
  readonly stats: Record<SystemId, StatsPoller>;
  readonly scores: Record<SystemId, SystemScore>;
  readonly queue: ActionQueue;
  readonly player: ScenarioPlayer;
  readonly #timers = new Set<NodeJS.Timeout>();
  #ticker: NodeJS.Timeout | null = null;
  #backlog = false;
  #stopping = false;

  private constructor(
    readonly options: LabOptions,
    stack: LabStack,
  ) {
    this.stack = stack;
    this.limits = {
      maxHosts: options.maxHosts,
      maxSamplesPerSecond: 1_000_000,
      // what a load host may open: its open-files limit less a margin for everything else it holds
      maxConnections: Math.max(100, Math.min(20_000, openFilesHardLimit()) - 500),
    };
    const session = Date.now().toString(36).slice(-5);
    this.load = new LoadController({
      session,
      urls: (system, transport) => {
        const { ports } = stack;
        if (system === 's2') return `ws://127.0.0.1:${ports.ws}`;
        if (transport === 'h2c') return `http://127.0.0.1:${ports.h2c}`;
        if (transport === 'h2') return `https://127.0.0.1:${ports.https}`;
        return `http://127.0.0.1:${ports.http}`;
      },
      onRunEvent: (system, text) => this.log.onLine(`[load-${system}] ${text}`),
    });
    stack.onLoadHostStarted = (system, child) => this.load.attach(system, child);
    this.tallies = { s1: new LiveTally({ base: stack.s1Url }), s2: new LiveTally({ base: stack.s2Url }) };
    this.stats = { s1: new StatsPoller(stack.s1Url), s2: new StatsPoller(stack.s2Url) };
    const score = (system: SystemId) =>
      new SystemScore({
        system,
        ledger: this.load.ledger(system),
        tally: this.tallies[system],
        stats: this.stats[system],
        whole: () => this.#whole(system),
        loadSettled: () => this.load.current(system) === null && this.load.settled(system),
        load: () => {
          const load = this.load.current(system);
          return load
            ? { batch: load.batch, targetRate: load.targetRate, endToEnd: load.endToEnd === true }
            : null;
        },
      });
    this.scores = { s1: score('s1'), s2: score('s2') };
    this.queue = new ActionQueue(this.log, (action, record) => this.#perform(action, record));
    this.player = new ScenarioPlayer({
      submit: (action) => this.submit(action, 'scenario'),
      // System 1's queue is never empty under load (batches wait for their job span and bulk): back
      // to its steady depth is recovered
      recovered: () => this.#whole('s1') && this.#whole('s2') && this.scores.s1.backlogGone(),
      drained: () => this.scores.s1.exact() !== null && this.scores.s2.exact() !== null,
      snapshot: (system) => {
        const totals = this.load.ledger(system).totals();
        const exact = this.scores[system].exact();
        return {
          targetRate: this.load.current(system)?.targetRate ?? 0,
          sent: totals.sent,
          acknowledged: totals.acknowledged,
          aggregated: this.tallies[system].total,
          queueDepth: this.stats[system].reading().queueDepth,
          lost: exact ?? this.scores[system].estimate(),
          lostExact: exact !== null,
        };
      },
      probeLatencies: (system, from, to) => this.load.ledger(system).probeLatencies(from, to),
      deliveryDelays: (system, from, to) => this.tallies[system].delays(from, to),
      faultCosts: (system, ids) =>
        this.scores[system]
          .compute()
          .faults.filter((f) => ids.includes(f.actionId))
          .map(
            (f) =>
              `${f.label}: ${
                f.settled
                  ? `≈${f.lost?.toLocaleString('en-US')} lost${f.held === undefined ? '' : ` (held ${f.held.toLocaleString('en-US')} unpublished)`}`
                  : 'not settled yet'
              }`,
          ),
      p99: (values) => p99(values),
    });
  }

  static async create(options: LabOptions, dir: string): Promise<Lab> {
    let lab: Lab | undefined;
    const stack = await LabStack.create({
      dir,
      workers: options.workers,
      freePorts: options.freePorts,
      verbose: options.verbose,
      onUnexpectedExit: (slot, code) => lab?.onUnexpectedExit(slot.name, slot.role, code),
      onChange: () => {},
    });
    lab = new Lab(options, stack);
    return lab;
  }

  /** Starts every process, the observers and the initial load. */
  async start(): Promise<void> {
    await this.stack.start();
    for (const system of ['s1', 's2'] as const) {
      this.tallies[system].start();
      this.stats[system].start();
    }
    this.#ticker = setInterval(() => this.#tick(), 500);
    const initial = this.options.initialLoad;
    if (initial) {
      this.submit(
        { type: 'load', system: 'both', hosts: initial.hosts, rate: initial.rate, batch: initial.batch },
        'lab',
      );
    }
  }

  /** Stops the scenario, the timers, the observers and every process (load first, Redis last). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.player.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    if (this.#ticker) clearInterval(this.#ticker);
    for (const system of ['s1', 's2'] as const) {
      this.tallies[system].close();
      this.stats[system].close();
    }
    await this.stack.stop();
  }

  onUnexpectedExit(name: string, role: string, code: number | null): void {
    if (this.#stopping) return;
    const slot = this.stack.slots.find((candidate) => candidate.name === name);
    this.log.onLine(
      `${name} exited on its own (code ${code}); its last output:\n${slot?.process?.output().slice(-1500) ?? ''}`,
    );
    if (role === 's2') {
      // a crash: what its open window held is measured from the last reading (up to a second old)
      const life = this.stats.s2.life();
      if (life)
        this.scores.s2.faultStarted(`crash-${Date.now()}`, 's2 crashed', {
          held: life.aggregated,
          readAt: life.at,
          intakePerS: this.scores.s2.intakePerS(),
          lifeStart: this.stack.s2.launchedAt,
          diedAt: Date.now(),
          acksStop: true,
        });
      this.stats.s2.newLife();
    }
    // System 2's process and its load host end in s2; everything else is System 1's
    const systems: SystemId[] = name.endsWith('s2') ? ['s2'] : ['s1'];
    this.log.mark(systems, 'action', `${name} exited (code ${code})`);
    // a load host is the lab's own machinery, not part of a lesson: start it again
    if (role === 'load') {
      const system: SystemId = name.endsWith('s2') ? 's2' : 's1';
      void this.stack.loadHosts[system].start().catch((error: Error) => this.log.onLine(error.message));
    }
  }

  /**
   * Checks an action against the lab's limits and queues it (scenarios start and stop at once).
   * Throws LabRefusal (400, 409 or 422) with the reason; returns the action's record.
   */
  submit(action: LabAction, by: LabActionRecord['by']): LabActionRecord {
    if (this.#stopping) throw new LabRefusal(409, 'the lab is stopping');
    if (action.type === 'load') {
      const plan = planLoad(action, this.limits);
      if (!plan.ok) throw new LabRefusal(plan.status, plan.error, plan.field, plan.limit);
    }
    if (action.type === 'scenario') return this.#startScenario(action, by);
    if (action.type === 'stop-scenario') {
      if (!this.player.playing) throw new LabRefusal(409, 'no scenario is playing');
      const record = this.log.add(action, by, describeAction(action));
      this.player.stop();
      this.log.done(record);
      return record;
    }
    try {
      return this.queue.submit(action, by, describeAction(action));
    } catch (error) {
      throw new LabRefusal(409, (error as Error).message);
    }
  }

  #startScenario(
    action: Extract<LabAction, { type: 'scenario' }>,
    by: LabActionRecord['by'],
  ): LabActionRecord {
    let yaml = action.yaml;
    let source = 'from a scenario file';
    if (action.name !== undefined) {
      const found = findScenario(action.name);
      if (!found || found.source === action.name) {
        throw new LabRefusal(
          400,
          `invalid lab action: /name: no shipped scenario is called "${action.name}"`,
          '/name',
        );
      }
      yaml = found.yaml;
      source = `from ${found.source}`;
    }
    let scenario: ReturnType<typeof parseScenario>;
    try {
      scenario = parseScenario(yaml ?? '');
    } catch (error) {
      if (error instanceof ScenarioError)
        throw new LabRefusal(400, `invalid lab action: /yaml: ${error.message}`, '/yaml');
      throw error;
    }
    for (const [i, step] of scenario.steps.entries()) {
      for (const [j, stepAction] of (step.do ?? []).entries()) {
        if (stepAction.type !== 'load') continue;
        const plan = planLoad(stepAction, this.limits);
        if (!plan.ok)
          throw new LabRefusal(
            plan.status,
            `scenario step ${i + 1}, action ${j + 1}: ${plan.error}`,
            '/yaml',
            plan.limit,
          );
      }
    }
    if (this.player.playing)
      throw new LabRefusal(409, `scenario ${this.player.status?.name} is playing; stop it first`);
    const record = this.log.add(action, by, `play scenario ${scenario.name}`);
    this.player.play(scenario, source);
    this.log.mark(['s1', 's2'], 'action', `scenario: ${scenario.title}`);
    this.log.done(record);
    return record;
  }

  async #perform(action: LabAction, record: LabActionRecord): Promise<void> {
    switch (action.type) {
      case 'load': {
        const plan = planLoad(action, this.limits);
        if (!plan.ok) throw new Error(plan.error);
        const previous = { s1: this.load.current('s1'), s2: this.load.current('s2') };
        for (const [system, request] of Object.entries(plan.requests) as [
          SystemId,
          NonNullable<(typeof plan.requests)['s1']>,
        ][]) {
          await this.load.apply(system, request);
        }
        this.log.mark(systemsOf(action), 'action', markerLabel(action));
        if (action.forS !== undefined)
          this.#restoreAfter(action.forS, previous, Object.keys(plan.requests) as SystemId[]);
        return;
      }
      case 'stop-load': {
        for (const system of systemsOf(action)) await this.load.stop(system);
        this.log.mark(systemsOf(action), 'action', 'load stopped');
        return;
      }
      case 'incident': {
        const hit = await this.load.incident(
          action.kind,
          action.durationS ?? INCIDENT_DEFAULT_S[action.kind],
        );
        if (hit.length === 0)
          throw new Error('no load is running: an incident changes what the fleet reports');
        this.log.mark(hit, 'action', markerLabel(action));
        return;
      }
      case 'fault':
        return performFault(action, record, {
          stack: this.stack,
          log: this.log,
          stats: this.stats,
          scores: this.scores,
          later: (seconds, next) => this.#later(seconds, next),
        });
      default:
        throw new Error(`${action.type} is not queued`);
    }
  }

  /** After a burst, the load that ran before comes back (or stops, when there was none). */
  #restoreAfter(
    seconds: number,
    previous: Record<SystemId, ReturnType<LoadController['current']>>,
    systems: SystemId[],
  ): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      for (const system of systems) {
        const before = previous[system];
        const action: LabStepAction = before
          ? {
              type: 'load',
              system,
              hosts: before.hosts,
              rate: before.rate,
              batch: before.batch,
              transport: before.transport,
              connections: before.connections,
            }
          : { type: 'stop-load', system };
        try {
          this.submit(action, 'lab');
        } catch (error) {
          this.log.onLine(`could not end the burst on ${system}: ${(error as Error).message}`);
        }
      }
    }, seconds * 1000);
    this.#timers.add(timer);
  }

  #later(seconds: number, action: LabAction): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      try {
        this.submit(action, 'lab');
      } catch (error) {
        this.log.onLine(`could not ${describeAction(action)}: ${(error as Error).message}`);
      }
    }, seconds * 1000);
    this.#timers.add(timer);
  }

  /** Every process of the system runs (none killed, stopped or paused). */
  #whole(system: SystemId): boolean {
    if (system === 's2') return this.stack.s2.state === 'running';
    return (
      this.stack.redis.state === 'running' &&
      this.stack.s1Server.state === 'running' &&
      this.stack.s1Workers.some((w) => w.state === 'running') &&
      this.stack.s1Workers.every((w) => w.state !== 'paused')
    );
  }

  #tick(): void {
    const depth = this.stats.s1.reading().queueDepth;
    const load = this.load.current('s1');
    const oneSecond = load ? load.targetRate / load.batch : 0;
    if (depth >= Math.max(BACKLOG_MARK, oneSecond)) this.#backlog = true;
    else if (this.#backlog && this.scores.s1.backlogGone()) {
      this.#backlog = false;
      this.log.mark(['s1'], 'recovery', 'System 1 queue drained');
    }
  }

  state(): LabState {
    return {
      lab: {
        pid: process.pid,
        startedAt: this.startedAt,
        maxHosts: this.limits.maxHosts,
        restartAfterS: this.options.restartAfterS,
        fleetPresetHosts: this.options.fleetPresetHosts,
        workers: this.options.workers,
      },
      load: { s1: this.load.current('s1'), s2: this.load.current('s2') },
      processes: this.stack.slots.map((slot) => slot.describe()),
      scoreboard: { s1: this.scores.s1.compute(), s2: this.scores.s2.compute() },
      actions: this.log.actions.slice(-50),
      markers: [...this.log.markers],
      scenario: this.player.status,
    };
  }
}

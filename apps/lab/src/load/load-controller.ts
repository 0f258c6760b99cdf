// The load each system gets: one run at a time per load host, started again (new producer names,
// same fleet clock) whenever the load changes or an incident begins, so the fleet's hosts go on with
// their day. Reports from the hosts feed each system's ProducerLedger.
import type { ManagedProcess } from '@ingestlab/devkit';
import type { LabIncidentKind, LabLoad, LabTransport } from '@ingestlab/metric-schema';
import { ProducerLedger } from '../observe/producer-ledger.js';
import type { FromLoadHost, ToLoadHost } from './load-host-protocol.js';
import type { FleetIncident, FleetRunSpec } from './producers-adapter.js';
import { rateIntervalMs } from './rate.js';

export type SystemId = 's1' | 's2';

export interface LoadRequest {
  hosts: number;
  rate: string;
  batch: number;
  transport: LabTransport;
  connections: 'per-host' | number;
  /** System 2's end-to-end acknowledgements (producers keep and replay until committed). Default false. */
  endToEnd?: boolean;
  /** A burst: when it ends (epoch ms). */
  until?: number;
}

/** How long each incident lasts by default, as in the demo's schedule. */
export const INCIDENT_DEFAULT_S: Record<LabIncidentKind, number> = { 'cpu-spike': 20, 'network-storm': 15 };

interface SystemLoad {
  host: ManagedProcess | null;
  ready: Promise<void>;
  load: LabLoad | null;
  runId: number;
  /** The fleet's clock start, kept for the lab's life so the hosts' day and disks go on. */
  readonly startTime: number;
  incidents: FleetIncident[];
  readonly ledger: ProducerLedger;
  /** Said by the host about its runs (ended, failed), for the lab's log. */
}

export interface LoadControllerOptions {
  /** Base URL per system and transport. */
  urls: (system: SystemId, transport: LabTransport) => string;
  /** A short tag unique to this lab run, in every producer name. */
  session: string;
  /** A run ended or failed: a line for the log. */
  onRunEvent: (system: SystemId, text: string) => void;
}

export class LoadController {
  readonly #systems: Record<SystemId, SystemLoad>;

  constructor(private readonly options: LoadControllerOptions) {
    const now = Date.now();
    const make = (): SystemLoad => ({
      host: null,
      ready: Promise.resolve(),
      load: null,
      runId: 0,
      startTime: now,
      incidents: [],
      ledger: new ProducerLedger(),
    });
    this.#systems = { s1: make(), s2: make() };
  }

  ledger(system: SystemId): ProducerLedger {
    return this.#systems[system].ledger;
  }

  current(system: SystemId): LabLoad | null {
    const load = this.#systems[system].load;
    if (!load) return null;
    const incident = this.#systems[system].incidents
      .map((i) => ({ kind: i.kind, until: this.#systems[system].startTime + i.atMs + i.durationMs }))
      .filter((i) => i.until > Date.now())
      .at(-1);
    return incident ? { ...load, incident } : load;
  }

  /**
   * Hooks a (new) load host process: wires its messages and resolves once it says it is ready. A
   * new host after an old one counts on top of what the old one counted, and resumes the load.
   */
  async attach(system: SystemId, host: ManagedProcess): Promise<void> {
    const entry = this.#systems[system];
    const hadHost = entry.host !== null;
    if (hadHost) entry.ledger.newLife();
    entry.host = host;
    entry.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load-${system} did not start in 60 s`)), 60_000);
      host.child.on('message', (message: FromLoadHost) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'report') {
          entry.ledger.report(message.at, message.totals, message.running, message.draining, message.probe);
        } else if (message.type === 'run-ended') {
          const p99 = message.ackP99Ms === null ? '—' : `${message.ackP99Ms} ms`;
          this.options.onRunEvent(
            system,
            `run ${message.runId} ended: ${message.counts.acknowledged.toLocaleString('en-US')} of ${message.counts.sent.toLocaleString('en-US')} samples acknowledged, ack p99 ${p99}`,
          );
        } else if (message.type === 'run-failed') {
          this.options.onRunEvent(system, `run ${message.runId} failed: ${message.error}`);
        }
      });
      void host.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`load-${system} exited before it was ready:\n${host.output().slice(-1500)}`));
      });
    });
    await entry.ready;
    if (hadHost && entry.load) this.#startRun(system);
  }

  /** Starts (or changes) the load on one system. */
  async apply(system: SystemId, request: LoadRequest): Promise<void> {
    const entry = this.#systems[system];
    await entry.ready;
    const intervalMs = rateIntervalMs(request.rate);
    entry.load = {
      hosts: request.hosts,
      rate: request.rate,
      intervalMs,
      batch: request.batch,
      transport: request.transport,
      connections: request.connections,
      ...(request.endToEnd ? { endToEnd: true } : {}),
      targetRate: Math.round((request.hosts * 1000) / intervalMs),
      since: Date.now(),
      ...(request.until === undefined ? {} : { until: request.until }),
    };
    this.#startRun(system);
  }

  async stop(system: SystemId): Promise<void> {
    const entry = this.#systems[system];
    await entry.ready;
    entry.load = null;
    this.#send(system, { type: 'stop' });
  }

  /** An incident on every system with load: its run starts again with the incident beginning now. */
  async incident(kind: LabIncidentKind, durationS: number): Promise<SystemId[]> {
    const hit: SystemId[] = [];
    for (const system of ['s1', 's2'] as const) {
      const entry = this.#systems[system];
      if (!entry.load) continue;
      await entry.ready;
      // drop the incidents that are over; the new one starts a moment after the run does
      const now = Date.now();
      entry.incidents = entry.incidents.filter((i) => entry.startTime + i.atMs + i.durationMs > now);
      entry.incidents.push({ kind, atMs: now - entry.startTime + 500, durationMs: durationS * 1000 });
      this.#startRun(system);
      hit.push(system);
    }
    return hit;
  }

  /** Batches in flight, runs sending, runs draining: for "is this system's load settled". */
  settled(system: SystemId): boolean {
    const { ledger } = this.#systems[system];
    return ledger.running === 0 && ledger.draining === 0 && ledger.totals().inFlight === 0;
  }

  #startRun(system: SystemId): void {
    const entry = this.#systems[system];
    const load = entry.load;
    if (!load) return;
    entry.runId++;
    const spec: FleetRunSpec = {
      target: load.transport,
      url: this.options.urls(system, load.transport),
      hosts: load.hosts,
      intervalMs: load.intervalMs,
      batch: load.batch,
      connections: load.connections,
      endToEnd: load.endToEnd === true,
      // the same fleet into both systems, so their charts can be compared point by point
      seed: 7,
      producerPrefix: `lab${this.options.session}-${system}-r${entry.runId}`,
      startTime: entry.startTime,
      incidents: entry.incidents,
    };
    this.#send(system, { type: 'start', runId: entry.runId, spec });
  }

  #send(system: SystemId, message: ToLoadHost): void {
    const host = this.#systems[system].host;
    if (host?.alive() && host.child.connected) host.child.send(message);
  }
}

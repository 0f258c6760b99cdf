// The Lab panel above the two systems: load controls (per system or both, identical), presets, a
// button per fault with "restart after N s", scenarios, the processes, and the last refusal's
// reason. It only sends actions through LabApi and shows the state it is given.
import type { LabAction, LabFault, LabState } from '@ingestlab/metric-schema';
import { el, setText } from '../ui/dom.js';
import { formatCount } from '../ui/format.js';
import type { ActionAnswer, LabApi, ShippedScenario } from './lab-api.js';

type Target = 's1' | 's2' | 'both';

const FAULT_BUTTONS: { fault: LabFault; text: string; persistence?: boolean; repairs?: boolean }[] = [
  { fault: 'kill-worker', text: 'Kill worker' },
  { fault: 'stop-workers', text: 'Stop workers' },
  { fault: 'pause-workers', text: 'Pause workers' },
  { fault: 'start-workers', text: 'Start workers', repairs: true },
  { fault: 'resume-workers', text: 'Resume workers', repairs: true },
  { fault: 'restart-redis', text: 'Restart Redis (with AOF)', persistence: true },
  { fault: 'restart-redis', text: 'Restart Redis (empty)', persistence: false },
  { fault: 'kill-s1-server', text: 'Kill S1 server' },
  { fault: 'restart-s1-server', text: 'Restart S1 server', repairs: true },
  { fault: 'kill-s2', text: 'Kill System 2' },
  { fault: 'restart-s2', text: 'Restart System 2', repairs: true },
];

/** Faults that take something away: the lab brings it back after "restart after" seconds. */
const TAKES_AWAY = new Set<LabFault>([
  'kill-worker',
  'stop-workers',
  'pause-workers',
  'kill-s1-server',
  'kill-s2',
]);

export class LabPanel {
  readonly #api: LabApi;
  readonly #message: HTMLElement;
  readonly #loadNow: HTMLElement;
  readonly #processes: HTMLElement;
  readonly #scenarioStatus: HTMLElement;
  readonly #fleetPreset: HTMLButtonElement;
  readonly #restartAfter: HTMLInputElement;
  readonly #fields: {
    target: HTMLSelectElement;
    hosts: HTMLInputElement;
    rate: HTMLInputElement;
    batch: HTMLInputElement;
    transport: HTMLSelectElement;
    connections: HTMLInputElement;
  };
  readonly #scenarioPick: HTMLSelectElement;
  #scenarios: ShippedScenario[] = [];
  #uploaded: string | null = null;
  #state: LabState | null = null;
  #restartAfterSet = false;

  constructor(parent: HTMLElement, api: LabApi) {
    this.#api = api;
    const input = (testid: string, value: string, width: string, title: string) => {
      const node = el('input', { testid, title });
      node.value = value;
      node.style.width = width;
      return node;
    };
    const select = (testid: string, options: [string, string][]) => {
      const node = el('select', { testid });
      for (const [value, text] of options) {
        const option = el('option', { text });
        option.value = value;
        node.append(option);
      }
      return node;
    };
    this.#fields = {
      target: select('lab-system', [
        ['both', 'both, identical'],
        ['s1', 'System 1'],
        ['s2', 'System 2'],
      ]),
      hosts: input('lab-hosts', '500', '7em', 'servers per system'),
      rate: input('lab-rate', '1/s', '5em', 'samples per server: 1/s, 2/s, 10/m, 1/500ms'),
      batch: input('lab-batch', '1', '4em', 'samples per batch'),
      transport: select('lab-transport', [
        ['http1', 'HTTP/1.1'],
        ['h2c', 'h2c'],
        ['h2', 'h2 (TLS)'],
      ]),
      connections: input(
        'lab-connections',
        'per-host',
        '6em',
        '"per-host" (a connection per server) or a number of pooled connections',
      ),
    };
    const button = (text: string, testid: string, onClick: () => void, title?: string) => {
      const node = el('button', { class: 'action', text, testid, ...(title ? { title } : {}) });
      node.addEventListener('click', onClick);
      return node;
    };
    const field = (label: string, control: HTMLElement) =>
      el('label', { class: 'lab-field' }, el('span', { text: label }), control);

    const loadRow = el(
      'div',
      { class: 'lab-row' },
      el('span', { class: 'lab-row-title', text: 'Load' }),
      field('into', this.#fields.target),
      field('servers', this.#fields.hosts),
      field('rate', this.#fields.rate),
      field('batch', this.#fields.batch),
      field('System 1 via', this.#fields.transport),
      field('connections', this.#fields.connections),
      button('Start', 'lab-start', () => void this.#startLoad()),
      button('Stop', 'lab-stop', () => void this.#send({ type: 'stop-load', system: this.#target() })),
      button('Step up ×2', 'lab-step-up', () => void this.#step(2)),
      button('Step down ÷2', 'lab-step-down', () => void this.#step(0.5)),
    );

    this.#fleetPreset = button('10,000 servers, every second', 'lab-preset-fleet', () => void this.#fleet());
    const presetRow = el(
      'div',
      { class: 'lab-row' },
      el('span', { class: 'lab-row-title', text: 'Presets' }),
      this.#fleetPreset,
      button('Burst ×5 for 30 s', 'lab-preset-burst', () => void this.#burst()),
      button(
        'CPU incident',
        'lab-preset-cpu',
        () => void this.#send({ type: 'incident', kind: 'cpu-spike' }),
      ),
      button(
        'Network storm',
        'lab-preset-storm',
        () => void this.#send({ type: 'incident', kind: 'network-storm' }),
      ),
    );

    this.#restartAfter = input(
      'lab-restart-after',
      '10',
      '4em',
      'seconds; empty: stays down until you repair it',
    );
    const faultRow = el(
      'div',
      { class: 'lab-row' },
      el('span', { class: 'lab-row-title', text: 'Faults' }),
      field('restart after (s)', this.#restartAfter),
    );
    for (const spec of FAULT_BUTTONS) {
      const testid = `lab-fault-${spec.fault}${spec.persistence === false ? '-empty' : ''}`;
      const node = button(spec.text, testid, () => void this.#fault(spec.fault, spec.persistence));
      if (spec.repairs) node.classList.add('repair');
      faultRow.append(node);
    }

    this.#scenarioPick = el('select', { testid: 'lab-scenario-pick' });
    const upload = el('input', { testid: 'lab-scenario-file', title: 'a scenario YAML file' });
    upload.type = 'file';
    upload.accept = '.yaml,.yml';
    upload.addEventListener('change', () => void this.#readUpload(upload));
    this.#scenarioStatus = el('span', { class: 'lab-scenario-status', testid: 'lab-scenario-status' });
    const scenarioRow = el(
      'div',
      { class: 'lab-row' },
      el('span', { class: 'lab-row-title', text: 'Scenario' }),
      this.#scenarioPick,
      upload,
      button('Play', 'lab-scenario-play', () => void this.#play()),
      button('Stop', 'lab-scenario-stop', () => void this.#send({ type: 'stop-scenario' })),
      this.#scenarioStatus,
    );

    this.#loadNow = el('div', { class: 'lab-load-now', testid: 'lab-load-now' });
    this.#processes = el('div', { class: 'lab-processes', testid: 'lab-processes' });
    this.#message = el('div', { class: 'lab-message', testid: 'lab-message' });
    this.#message.hidden = true;
    parent.append(
      el(
        'section',
        { class: 'lab-panel', testid: 'lab-panel' },
        el('h2', { text: 'Lab' }),
        loadRow,
        presetRow,
        faultRow,
        scenarioRow,
        el('div', { class: 'lab-row lab-status' }, this.#loadNow, this.#processes),
        this.#message,
      ),
    );
    void this.#loadScenarios();
  }

  /** Shows the lab's state: the load now, the processes, the scenario, and the lab's limits. */
  render(state: LabState): void {
    const first = this.#state === null;
    this.#state = state;
    setText(this.#fleetPreset, `${formatCount(state.lab.fleetPresetHosts)} servers, every second`);
    if (first && !this.#restartAfterSet) this.#restartAfter.value = String(state.lab.restartAfterS);
    const describe = (name: string, load: LabState['load']['s1']) =>
      load
        ? `${name}: ${formatCount(load.hosts)} servers × ${load.rate}, batch ${load.batch}, ${load.transport}, ${load.connections === 'per-host' ? 'a connection each' : `${load.connections} connections`} (${formatCount(load.targetRate)}/s)${load.incident ? ` · ${load.incident.kind}` : ''}${load.until ? ' · burst' : ''}`
        : `${name}: no load`;
    setText(this.#loadNow, `${describe('System 1', state.load.s1)} · ${describe('System 2', state.load.s2)}`);
    const processes = state.processes.map((p) => {
      const chip = el('span', {
        class: 'lab-process',
        text: `${p.name} ${p.state}${p.restarts ? ` ↺${p.restarts}` : ''}`,
      });
      chip.dataset.state = p.state;
      chip.title = p.pid === null ? 'not running' : `pid ${p.pid}`;
      return chip;
    });
    this.#processes.replaceChildren(...processes);
    const scenario = state.scenario;
    const text = scenario
      ? `${scenario.title}: ${scenario.state === 'playing' ? `step ${scenario.step}/${scenario.steps} — ${scenario.stepTitle}` : scenario.state}${scenario.error ? ` (${scenario.error})` : ''}`
      : '';
    setText(this.#scenarioStatus, text);
    this.#scenarioStatus.dataset.state = scenario?.state ?? '';
    // an action that failed while running: its reason, once
    const failed = [...state.actions].reverse().find((a) => a.status === 'failed');
    if (
      failed &&
      failed.id !== this.#message.dataset.failedId &&
      Date.now() - (failed.finishedAt ?? 0) < 10_000
    ) {
      this.#message.dataset.failedId = failed.id;
      this.#say(`${failed.label} failed: ${failed.error ?? 'unknown reason'}`, true);
    }
  }

  #target(): Target {
    return this.#fields.target.value as Target;
  }

  #loadFromFields(hostsOverride?: number): LabAction | string {
    const hosts = hostsOverride ?? Number(this.#fields.hosts.value);
    const batch = Number(this.#fields.batch.value);
    const connectionsText = this.#fields.connections.value.trim();
    const connections =
      connectionsText === 'per-host' || connectionsText === '' ? 'per-host' : Number(connectionsText);
    if (!Number.isInteger(hosts) || hosts < 1) return 'servers must be a whole number ≥ 1';
    if (!Number.isInteger(batch) || batch < 1) return 'batch must be a whole number ≥ 1';
    if (connections !== 'per-host' && (!Number.isInteger(connections) || connections < 1))
      return 'connections must be "per-host" or a whole number ≥ 1';
    const target = this.#target();
    return {
      type: 'load',
      system: target,
      hosts,
      rate: this.#fields.rate.value.trim(),
      batch,
      ...(target === 's2'
        ? { transport: 'ws' as const }
        : { transport: this.#fields.transport.value as 'http1' }),
      connections,
    };
  }

  async #startLoad(): Promise<void> {
    const action = this.#loadFromFields();
    if (typeof action === 'string') return this.#say(action, true);
    await this.#send(action);
  }

  /** Step up or down: the fleet of the load running now (of the first system chosen) ×2 or ÷2. */
  async #step(factor: number): Promise<void> {
    const target = this.#target();
    const now = this.#state?.load[target === 's2' ? 's2' : 's1'] ?? null;
    const base = now?.hosts ?? Number(this.#fields.hosts.value);
    const hosts = Math.max(1, Math.round(base * factor));
    this.#fields.hosts.value = String(hosts);
    await this.#startLoad();
  }

  async #fleet(): Promise<void> {
    const hosts = this.#state?.lab.fleetPresetHosts ?? 10_000;
    this.#fields.target.value = 'both';
    this.#fields.hosts.value = String(hosts);
    this.#fields.rate.value = '1/s';
    this.#fields.batch.value = '1';
    this.#fields.connections.value = 'per-host';
    await this.#send({
      type: 'load',
      system: 'both',
      hosts,
      rate: '1/s',
      batch: 1,
      transport: this.#fields.transport.value as 'http1',
      connections: 'per-host',
    });
  }

  /** Five times the rate of the load running now, for 30 s, then back. */
  async #burst(): Promise<void> {
    const load = this.#state?.load.s1 ?? this.#state?.load.s2;
    if (!load) return this.#say('start a load first: a burst multiplies the load running now', true);
    const interval = load.intervalMs / 5;
    const rate = Number.isInteger(1000 / interval) ? `${1000 / interval}/s` : `1/${interval}ms`;
    await this.#send({
      type: 'load',
      system: this.#state?.load.s1 && this.#state?.load.s2 ? 'both' : this.#state?.load.s1 ? 's1' : 's2',
      hosts: load.hosts,
      rate,
      batch: load.batch,
      ...(this.#state?.load.s1 ? { transport: this.#state.load.s1.transport } : { transport: 'ws' as const }),
      connections: load.connections,
      forS: 30,
    });
  }

  async #fault(fault: LabFault, persistence?: boolean): Promise<void> {
    const raw = this.#restartAfter.value.trim();
    this.#restartAfterSet = true;
    const after = raw === '' ? undefined : Number(raw);
    if (after !== undefined && (!Number.isInteger(after) || after < 0))
      return this.#say('restart after must be whole seconds, or empty', true);
    await this.#send({
      type: 'fault',
      fault,
      ...(persistence === undefined ? {} : { persistence }),
      ...(TAKES_AWAY.has(fault) && after !== undefined ? { restartAfterS: after } : {}),
    });
  }

  async #loadScenarios(): Promise<void> {
    this.#scenarios = await this.#api.scenarios();
    const options = this.#scenarios.map((s) => {
      const option = el('option', { text: `${s.title} (${s.steps} steps)` });
      option.value = s.name;
      option.title = s.about;
      return option;
    });
    this.#scenarioPick.replaceChildren(...options);
  }

  async #readUpload(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    this.#uploaded = await file.text();
    const option = el('option', { text: `${file.name} (from a file)` });
    option.value = '__file__';
    this.#scenarioPick.append(option);
    this.#scenarioPick.value = '__file__';
  }

  async #play(): Promise<void> {
    const name = this.#scenarioPick.value;
    if (!name) return this.#say('choose a scenario first', true);
    await this.#send(
      name === '__file__' && this.#uploaded
        ? { type: 'scenario', yaml: this.#uploaded }
        : { type: 'scenario', name },
    );
  }

  async #send(action: LabAction): Promise<ActionAnswer> {
    const answer = await this.#api.act(action);
    if (answer.ok) this.#say(`queued: ${answer.label}`, false);
    else this.#say(`refused (${answer.status}): ${answer.reason}`, true);
    return answer;
  }

  #say(text: string, problem: boolean): void {
    this.#message.hidden = false;
    this.#message.dataset.problem = String(problem);
    setText(this.#message, text);
  }
}

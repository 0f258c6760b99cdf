// One role the lab runs (Redis, System 1's server, a worker, System 2, a load host): its process now,
// its state as the panel shows it, and the ways a fault or a repair changes it. The slot outlives
// its processes: killing and starting again is the same slot with one more restart.
import type { ManagedProcess } from '@ingestlab/devkit';
import type { LabProcess, LabProcessState } from '@ingestlab/metric-schema';

export interface SlotOptions {
  role: string;
  name: string;
  /** Starts the process and resolves once it is ready (answers, listens...). */
  launch: () => Promise<ManagedProcess>;
  /** Stops it for good (graceful, then SIGKILL); default: SIGTERM and 10 s of grace. */
  stop?: (process: ManagedProcess) => Promise<unknown>;
  /** Told when its process exits while the lab did not ask: "a part died". */
  onUnexpectedExit?: (slot: ProcessSlot, code: number | null) => void;
  /** Told on every state change. */
  onChange?: (slot: ProcessSlot) => void;
}

export class ProcessSlot {
  readonly role: string;
  readonly name: string;
  #process: ManagedProcess | null = null;
  #state: LabProcessState = 'stopped';
  #since = Date.now();
  #restarts = 0;
  #started = 0;
  #launchedAt = 0;
  /** Set while the lab itself is ending the process, so its exit is not "unexpected". */
  #expectingExit = false;

  constructor(private readonly options: SlotOptions) {
    this.role = options.role;
    this.name = options.name;
  }

  get state(): LabProcessState {
    return this.#state;
  }

  get process(): ManagedProcess | null {
    return this.#process;
  }

  get pid(): number | null {
    return this.#process?.alive() ? (this.#process.child.pid ?? null) : null;
  }

  /** Running, or starting, or paused: a process exists. */
  get alive(): boolean {
    return this.#process?.alive() ?? false;
  }

  /** When its current (or last) process was launched, epoch ms: the start of that process's life. */
  get launchedAt(): number {
    return this.#launchedAt;
  }

  get restarts(): number {
    return this.#restarts;
  }

  describe(): LabProcess {
    return {
      role: this.role,
      name: this.name,
      pid: this.pid,
      state: this.#state,
      restarts: this.#restarts,
      since: this.#since,
    };
  }

  /** Starts it (again); resolves once it is ready. A slot that is already alive is left as it is. */
  async start(): Promise<void> {
    if (this.alive) return;
    if (this.#started > 0) this.#restarts++;
    this.#started++;
    this.#set('starting');
    this.#launchedAt = Date.now();
    let child: ManagedProcess;
    try {
      child = await this.options.launch();
    } catch (error) {
      this.#set('exited');
      throw error;
    }
    this.#process = child;
    this.#expectingExit = false;
    void child.exited.then((code) => {
      if (this.#process !== child) return;
      if (this.#expectingExit) return;
      this.#set('exited');
      this.options.onUnexpectedExit?.(this, code);
    });
    this.#set('running');
  }

  /** kill -9, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child?.alive()) return;
    this.#expectingExit = true;
    await child.kill();
    this.#set('killed');
  }

  /** Graceful stop (its own shutdown path), SIGKILL after the grace. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (!child?.alive()) {
      if (this.#state !== 'killed' && this.#state !== 'exited') this.#set('stopped');
      return;
    }
    this.#expectingExit = true;
    this.#set('stopping');
    // a paused process cannot handle its stop signal: wake it first
    child.child.kill('SIGCONT');
    await (this.options.stop ? this.options.stop(child) : child.stop(10_000));
    this.#set('stopped');
  }

  /** SIGSTOP: frozen, holding whatever it holds (connections, jobs), as a hung process would. */
  pause(): void {
    if (!this.#process?.alive() || this.#state === 'paused') return;
    this.#process.child.kill('SIGSTOP');
    this.#set('paused');
  }

  resume(): void {
    if (!this.#process?.alive() || this.#state !== 'paused') return;
    this.#process.child.kill('SIGCONT');
    this.#set('running');
  }

  #set(state: LabProcessState): void {
    this.#state = state;
    this.#since = Date.now();
    this.options.onChange?.(this);
  }
}

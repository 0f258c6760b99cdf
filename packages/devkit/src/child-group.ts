// A set of child processes (and other parts) started together and stopped together, last started
// first: producers before the systems, the systems before Redis. Nothing outlives the group.
import { type ManagedProcess, type StartOptions, startProcess } from './processes.js';

export interface ChildGroupOptions {
  /** How long a member gets after its stop signal before SIGKILL, in ms. Default 5000. */
  graceMs?: number;
  /**
   * Start members in their own process group (StartOptions.detached), so a terminal's Ctrl-C
   * reaches only this process and the group stops them in order. Default false.
   */
  detached?: boolean;
  /** Echo members' output with a `[name]` prefix (a member's own `echo` wins). Default false. */
  echo?: boolean;
  /**
   * Called when a member process exits while the group is not stopping: "a part died". Default:
   * nothing (firstExit and died() still tell).
   */
  onExit?: (child: ManagedProcess, code: number | null) => void;
}

export interface MemberOptions {
  /** Grace after the signal before SIGKILL, in ms. Default the group's graceMs. */
  graceMs?: number;
  /** The signal that asks it to stop. Default SIGTERM (SIGINT lets the producers CLI print its summary). */
  stopSignal?: NodeJS.Signals;
  /** Stops it in place of the signal, e.g. PrivateRedis.stop, which also removes its data dir. */
  stop?: () => Promise<unknown>;
}

interface Step {
  readonly name: string;
  readonly run: () => Promise<unknown> | unknown;
}

export class ChildGroup {
  readonly #options: ChildGroupOptions;
  readonly #children: ManagedProcess[] = [];
  /** Stops and clean-ups in the order they were registered; run in reverse. */
  #steps: Step[] = [];
  #stopping = false;
  // Whatever ends this process (an uncaught exception included), no member outlives it.
  readonly #killAll = () => {
    for (const child of this.#children) child.signal('SIGKILL');
  };

  constructor(options: ChildGroupOptions = {}) {
    this.#options = options;
  }

  /** The member processes, in start order. */
  get children(): readonly ManagedProcess[] {
    return this.#children;
  }

  /** True once stop() has begun. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts a process (startProcess) with the group's defaults and adds it. */
  start(
    name: string,
    command: string,
    args: string[],
    options: StartOptions & MemberOptions = {},
  ): ManagedProcess {
    const { graceMs, stopSignal, stop, ...start } = options;
    const child = startProcess(name, command, args, {
      detached: this.#options.detached ?? false,
      echo: this.#options.echo ?? false,
      ...start,
    });
    return this.add(child, { graceMs, stopSignal, stop });
  }

  /**
   * Adds a process started elsewhere; it is stopped with the group, in reverse order of adding.
   * Once stop() has begun, a process added (a start still under way when Ctrl-C came) is killed at
   * once and this throws, so it cannot outlive the group unnoticed.
   */
  add(child: ManagedProcess, options: MemberOptions = {}): ManagedProcess {
    if (this.#stopping) {
      child.signal('SIGKILL');
      throw new Error(`${child.name} started while the group was stopping; killed`);
    }
    if (this.#children.length === 0) process.on('exit', this.#killAll);
    this.#children.push(child);
    const graceMs = options.graceMs ?? this.#options.graceMs ?? 5000;
    const stop = options.stop ?? (() => child.stop(graceMs, options.stopSignal ?? 'SIGTERM'));
    this.#steps.push({ name: child.name, run: stop });
    const { onExit } = this.#options;
    if (onExit) void child.exited.then((code) => this.#stopping || onExit(child, code));
    return child;
  }

  /**
   * Runs `fn` when the group stops, in reverse order with the members: registered before a process
   * is added (a temp dir it uses, say), it runs after that process is gone.
   */
  onStop(fn: () => Promise<unknown> | unknown, name = 'clean-up'): void {
    this.#steps.push({ name, run: fn });
  }

  /** The first member process that exits, for "a part died" reporting. */
  firstExit(): Promise<{ child: ManagedProcess; code: number | null }> {
    return Promise.race(this.#children.map((child) => child.exited.then((code) => ({ child, code }))));
  }

  /**
   * A reason when a member process is gone, with the end of its output, else null: the `abort` of
   * waitUntil while waiting for the group to come up.
   */
  died(outputChars = 1500): string | null {
    const dead = this.#children.find((child) => !child.alive());
    return dead ? `${dead.name} exited:\n${dead.output().slice(-outputChars)}` : null;
  }

  /**
   * Stops every member and runs the clean-ups, last registered first. A step that fails does not
   * keep the others from running; the failures are thrown together at the end (AggregateError).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const failures: Error[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(new Error(`stopping ${step.name}: ${message}`, { cause: error }));
      }
    }
    this.#children.splice(0);
    process.off('exit', this.#killAll);
    if (failures.length > 0) throw new AggregateError(failures, failures.map((f) => f.message).join('; '));
  }
}

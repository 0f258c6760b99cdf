// Stands in for podman's health-check timer, which needs systemd (absent here): without it a
// container's health stays "starting" and `depends_on: condition: service_healthy` waits forever.
// It runs `podman healthcheck run` for each running container of the project that has a health
// check: every round (intervalMs) while the container is still starting, so a stack comes up
// quickly, then at the container's own interval (the image's or compose's `interval`), as the timer
// would, so checks do not crowd a 2-core machine under test.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { podmanEnv } from './podman-env.js';

const exec = promisify(execFile);

export interface HealthLoopOptions {
  /** compose project whose containers are checked (label com.docker.compose.project). */
  project: string;
  /** Pause between rounds, in ms: how often a starting container is checked. Default 2000. */
  intervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface Checked {
  id: string;
  /** starting, healthy or unhealthy. */
  health: string;
}

export class HealthLoop {
  readonly #options: Required<HealthLoopOptions>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;
  /** When each container was last checked, and its own interval in ms. */
  readonly #lastRun = new Map<string, number>();
  readonly #interval = new Map<string, number>();
  /** Rounds run so far. */
  rounds = 0;

  constructor(options: HealthLoopOptions) {
    this.#options = { intervalMs: 2000, env: podmanEnv(), ...options };
  }

  start(): this {
    this.#stopped = false;
    const tick = () => {
      this.#round = this.#runOnce().finally(() => {
        this.rounds++;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#options.intervalMs);
      });
    };
    tick();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
  }

  /** Running containers of the project that have a health check, with their health. */
  async #checked(): Promise<Checked[]> {
    const found: Checked[] = [];
    for (const health of ['starting', 'healthy', 'unhealthy']) {
      const filters = ['--filter', `label=com.docker.compose.project=${this.#options.project}`];
      const { stdout } = await exec('podman', ['ps', '-q', ...filters, '--filter', `health=${health}`], {
        env: this.#options.env,
      }).catch(() => ({ stdout: '' }));
      for (const id of stdout.split('\n')) if (id.trim()) found.push({ id: id.trim(), health });
    }
    return found;
  }

  /** The container's health-check interval in ms (podman keeps it in nanoseconds). */
  async #intervalOf(id: string): Promise<number> {
    const known = this.#interval.get(id);
    if (known !== undefined) return known;
    const { stdout } = await exec('podman', ['inspect', '--format', '{{.Config.Healthcheck.Interval}}', id], {
      env: this.#options.env,
    }).catch(() => ({ stdout: '' }));
    const ns = Number(stdout.trim());
    const ms = Number.isFinite(ns) && ns > 0 ? ns / 1e6 : 30_000;
    this.#interval.set(id, ms);
    return ms;
  }

  async #runOnce(): Promise<void> {
    const now = Date.now();
    const due: string[] = [];
    for (const { id, health } of await this.#checked()) {
      const interval = health === 'starting' ? 0 : await this.#intervalOf(id);
      if (now - (this.#lastRun.get(id) ?? 0) >= interval) due.push(id);
    }
    // A failing check exits non-zero: that is the result being recorded, not an error here.
    await Promise.all(
      due.map((id) => {
        this.#lastRun.set(id, now);
        return exec('podman', ['healthcheck', 'run', id], { env: this.#options.env, timeout: 30_000 }).catch(
          () => undefined,
        );
      }),
    );
  }
}

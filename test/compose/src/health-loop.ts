// Stands in for podman's health-check timer, which needs systemd (absent here): without it a
// container's health stays "starting" and `depends_on: condition: service_healthy` waits forever.
// Every intervalMs it runs `podman healthcheck run` once for each running container of the project
// that has a health check, as the timer would at each container's own interval.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { podmanEnv } from './podman-env.js';

const exec = promisify(execFile);

export interface HealthLoopOptions {
  /** compose project whose containers are checked (label com.docker.compose.project). */
  project: string;
  /** Pause between rounds, in ms. Default 2000 (shorter than the images' own 5-10 s intervals). */
  intervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

export class HealthLoop {
  readonly #options: Required<HealthLoopOptions>;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Rounds run so far (a test can wait for one more). */
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

  /** Containers of the project that run and have a health check (any health state). */
  async #checked(): Promise<string[]> {
    const ids = new Set<string>();
    for (const health of ['starting', 'healthy', 'unhealthy']) {
      const { stdout } = await exec(
        'podman',
        [
          'ps',
          '-q',
          '--filter',
          `label=com.docker.compose.project=${this.#options.project}`,
          '--filter',
          `health=${health}`,
        ],
        { env: this.#options.env },
      ).catch(() => ({ stdout: '' }));
      for (const id of stdout.split('\n')) if (id.trim()) ids.add(id.trim());
    }
    return [...ids];
  }

  async #runOnce(): Promise<void> {
    const ids = await this.#checked();
    // A failing check exits non-zero: that is the result being recorded, not an error here.
    await Promise.all(
      ids.map((id) =>
        exec('podman', ['healthcheck', 'run', id], { env: this.#options.env, timeout: 30_000 }).catch(
          () => undefined,
        ),
      ),
    );
  }
}

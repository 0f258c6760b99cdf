// Every process the lab runs, as slots it can kill, stop, pause and start again: Redis (append-only,
// so it can come back with or without its data), System 1's server and workers, System 2, and one
// load host per system. Each runs in its own process group (a terminal's Ctrl-C reaches only the
// lab, which stops them in order) and with the kernel's parent-death signal, so none outlives the
// lab even when the lab is killed -9.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  answers,
  freePort,
  type ManagedProcess,
  type PrivateRedis,
  portOr,
  startProcess,
  startRedis,
  waitUntil,
} from '@ingestlab/devkit';
import { ENTRIES, REPO_ROOT, tsxLoaderUrl } from '../paths.js';
import { ProcessSlot } from './process-slot.js';

export interface StackPorts {
  redis: number;
  http: number;
  h2c: number;
  https: number;
  ws: number;
}

export interface StackOptions {
  /**
   * Scratch directory (Redis data lives in <dir>/redis; System 2's durable watermark, for loads with
   * end-to-end acknowledgements, in <dir>/s2-data, kept across its restarts).
   */
  dir: string;
  /** System 1 worker processes. */
  workers: number;
  /** Ports from the kernel rather than the contract's. */
  freePorts: boolean;
  /** Echo the systems' info logs. */
  verbose: boolean;
  /** A slot's process ended without the lab asking. */
  onUnexpectedExit: (slot: ProcessSlot, code: number | null) => void;
  /** Any slot changed state. */
  onChange: (slot: ProcessSlot) => void;
}

/** Open-files limit for the systems and the load hosts: a 10,000-host fleet is 10,000 sockets a side. */
const OPEN_FILES = 20_000;

export class LabStack {
  readonly ports: StackPorts;
  readonly redis: ProcessSlot;
  readonly s1Server: ProcessSlot;
  readonly s1Workers: ProcessSlot[];
  readonly s2: ProcessSlot;
  readonly loadHosts: { s1: ProcessSlot; s2: ProcessSlot };
  #privateRedis: PrivateRedis | null = null;
  /** The next Redis start comes back empty (restart without persistence). */
  #wipeRedis = false;
  /** When Redis's current data began: its first start, or its last start empty. */
  redisDataSince = 0;
  /** Set by the load controller: the load host's IPC handler for each system. */
  onLoadHostStarted: (system: 's1' | 's2', process: ManagedProcess) => Promise<void> = async () => {};

  private constructor(
    private readonly options: StackOptions,
    ports: StackPorts,
  ) {
    this.ports = ports;
    const slot = (
      role: string,
      name: string,
      launch: () => Promise<ManagedProcess>,
      stop?: (p: ManagedProcess) => Promise<unknown>,
    ) =>
      new ProcessSlot({
        role,
        name,
        launch,
        ...(stop ? { stop } : {}),
        onUnexpectedExit: options.onUnexpectedExit,
        onChange: options.onChange,
      });
    this.redis = slot(
      'redis',
      'redis',
      () => this.#launchRedis(),
      () => this.#privateRedis?.stop() ?? Promise.resolve(),
    );
    this.s1Server = slot('s1-server', 's1-server', async () => {
      const child = this.#node('s1-server', ENTRIES.s1Server, this.s1Env());
      await this.#ready(child, `${this.s1Url}/readyz`);
      return child;
    });
    this.s1Workers = Array.from({ length: options.workers }, (_, i) =>
      slot('s1-worker', `s1-worker-${i + 1}`, async () =>
        this.#node(`s1-worker-${i + 1}`, ENTRIES.s1Worker, this.s1Env()),
      ),
    );
    this.s2 = slot('s2', 's2', async () => {
      const child = this.#node('s2', ENTRIES.s2, {
        HOST: '127.0.0.1',
        WS_PORT: String(ports.ws),
        // the lab's own /stats polling and every viewer of the page come from 127.0.0.1
        HTTP_RATE_LIMIT_PER_MIN: '0',
        // so a load may ask for end-to-end acknowledgements (?commit=1); classic loads are unchanged
        DATA_DIR: join(options.dir, 's2-data'),
      });
      await this.#ready(child, `${this.s2Url}/readyz`);
      return child;
    });
    const loadHost = (system: 's1' | 's2') =>
      slot(
        'load',
        `load-${system}`,
        async () => {
          const child = this.#node(`load-${system}`, ENTRIES.loadHost, {}, { ipc: true });
          await this.onLoadHostStarted(system, child);
          return child;
        },
        // SIGINT: the host stops sending and drains its acks before it exits
        (child) => child.stop(15_000, 'SIGINT'),
      );
    this.loadHosts = { s1: loadHost('s1'), s2: loadHost('s2') };
  }

  /** Picks the ports (the contract's when free, unless freePorts) and builds the slots; starts nothing. */
  static async create(options: StackOptions): Promise<LabStack> {
    const port = (contract: number) => (options.freePorts ? freePort() : portOr(contract));
    const ports: StackPorts = {
      redis: await port(6379),
      http: await port(3001),
      h2c: await port(3002),
      https: await port(3443),
      ws: await port(3003),
    };
    return new LabStack(options, ports);
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.ports.redis}`;
  }

  get s1Url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  get s2Url(): string {
    return `http://127.0.0.1:${this.ports.ws}`;
  }

  /** Every slot, in start order. */
  get slots(): ProcessSlot[] {
    return [this.redis, this.s1Server, ...this.s1Workers, this.s2, this.loadHosts.s1, this.loadHosts.s2];
  }

  s1Env(): Record<string, string> {
    return {
      HOST: '127.0.0.1',
      REDIS_URL: this.redisUrl,
      HTTP_PORT: String(this.ports.http),
      H2C_PORT: String(this.ports.h2c),
      HTTPS_PORT: String(this.ports.https),
      // the dev certificate is made once and kept (gitignored), as `pnpm dev` does
      CERT_DIR: join(REPO_ROOT, '.certs'),
      // the lab's own polling and every viewer of the page come from 127.0.0.1
      HTTP_RATE_LIMIT_PER_MIN: '0',
    };
  }

  /** Starts everything: Redis first, then the systems together, then the load hosts. */
  async start(): Promise<void> {
    await this.redis.start();
    await Promise.all([this.s1Server.start(), ...this.s1Workers.map((w) => w.start()), this.s2.start()]);
    await Promise.all([this.loadHosts.s1.start(), this.loadHosts.s2.start()]);
  }

  /** Stops everything, last started first; every slot is tried even when one fails. */
  async stop(): Promise<void> {
    const failures: string[] = [];
    const attempt = async (slots: ProcessSlot[]) => {
      const results = await Promise.allSettled(slots.map((slot) => slot.stop()));
      results.forEach((result, i) => {
        if (result.status === 'rejected')
          failures.push(`${slots[i]?.name}: ${(result.reason as Error).message}`);
      });
    };
    await attempt([this.loadHosts.s1, this.loadHosts.s2]);
    await attempt([this.s1Server, ...this.s1Workers, this.s2]);
    await attempt([this.redis]);
    if (failures.length > 0) throw new Error(`stopping: ${failures.join('; ')}`);
  }

  /**
   * kill -9 of Redis, then a new redis-server on the same port: with `persistence` it loads its
   * append-only file (everything it had written), without it starts empty.
   */
  async restartRedis(persistence: boolean, onKilled: () => void = () => {}): Promise<void> {
    await this.redis.kill();
    onKilled();
    this.#wipeRedis = !persistence;
    await this.redis.start();
  }

  async #launchRedis(): Promise<ManagedProcess> {
    const dir = join(this.options.dir, 'redis');
    if (this.#wipeRedis || this.redisDataSince === 0) {
      rmSync(dir, { recursive: true, force: true });
      this.redisDataSince = Date.now();
    }
    this.#wipeRedis = false;
    mkdirSync(dir, { recursive: true });
    this.#privateRedis = await startRedis({
      port: this.ports.redis,
      dir,
      appendOnly: true,
      detached: true,
      dieWithParent: true,
      echo: this.options.verbose,
    });
    return this.#privateRedis.process;
  }

  /** A Node entry point from source through tsx's loader, guarded, in its own process group. */
  #node(
    name: string,
    entry: string,
    env: Record<string, string>,
    extra: { ipc?: boolean } = {},
  ): ManagedProcess {
    return startProcess(name, process.execPath, ['--import', tsxLoaderUrl(), '--conditions=source', entry], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: this.options.verbose ? 'info' : 'warn', ...env },
      // their logs stay in memory (the end is shown if one dies) unless --verbose: a Redis restart
      // under a 10,000-host fleet makes System 1 warn thousands of times a second
      echo: this.options.verbose,
      detached: true,
      dieWithParent: true,
      openFiles: OPEN_FILES,
      ...(extra.ipc ? { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] } : {}),
    });
  }

  async #ready(child: ManagedProcess, url: string): Promise<void> {
    try {
      await waitUntil(
        () => answers(url),
        60_000,
        () => `${child.name} ready at ${url}`,
        { intervalMs: 100, abort: () => (child.alive() ? null : `exited:\n${child.output().slice(-1500)}`) },
      );
    } catch (error) {
      await child.kill();
      throw error;
    }
  }
}

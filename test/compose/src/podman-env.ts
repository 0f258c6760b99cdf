// Where podman keeps this project's images and containers, and the environment every podman,
// docker-compose and docker command of the compose tests runs with: the repo's containers.conf,
// a private storage, and DOCKER_HOST on a podman API socket. Nothing under /etc is changed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..', '..');

/**
 * Podman's state for this project: image store, run dir and the API socket. Default
 * /var/tmp/ingestlab-podman (kept across runs, so the stand-in images and build layers are reused;
 * `pnpm stand-ins -- --purge` removes it). Set INGESTLAB_PODMAN_DIR to use another place.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INGESTLAB_PODMAN_DIR ?? '/var/tmp/ingestlab-podman';
}

export interface PodmanPaths {
  readonly state: string;
  readonly containersConf: string;
  readonly storageConf: string;
  readonly socket: string;
}

export function podmanPaths(state = stateDir()): PodmanPaths {
  return {
    state,
    containersConf: join(repo, 'test', 'compose', 'podman', 'containers.conf'),
    storageConf: join(state, 'storage.conf'),
    socket: join(state, 'podman.sock'),
  };
}

/** Writes storage.conf (it needs absolute paths) and returns the paths. */
export function preparePodman(state = stateDir()): PodmanPaths {
  const paths = podmanPaths(state);
  mkdirSync(state, { recursive: true });
  writeFileSync(
    paths.storageConf,
    [
      '# Written by test/compose/src/podman-env.ts: the compose tests keep their images apart.',
      '[storage]',
      'driver = "overlay"',
      `graphroot = "${join(state, 'storage')}"`,
      `runroot = "${join(state, 'run')}"`,
      '',
    ].join('\n'),
  );
  return paths;
}

/** The environment for podman, docker-compose and docker: this process's, plus the podman settings. */
export function podmanEnv(paths: PodmanPaths = podmanPaths()): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CONTAINERS_CONF: paths.containersConf,
    CONTAINERS_STORAGE_CONF: paths.storageConf,
    DOCKER_HOST: `unix://${paths.socket}`,
    // docker-compose 1.29 builds through the API (no BuildKit, which podman does not serve).
    COMPOSE_DOCKER_CLI_BUILD: '0',
    DOCKER_BUILDKIT: '0',
  };
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion with the podman environment; output captured. */
export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): RunResult {
  const result = spawnSync(command, args, {
    env: options.env ?? podmanEnv(),
    cwd: options.cwd ?? repo,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: options.timeoutMs,
  });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/** Like run(), but throws with the command's output when it fails. */
export function runOk(command: string, args: string[], options: Parameters<typeof run>[2] = {}): string {
  const result = run(command, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().slice(-4000);
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}):\n${output}`);
  }
  return result.stdout;
}

/**
 * Runs a long command with its output streamed to this process (prefixed), resolving with the exit
 * code; used for builds, where progress matters.
 */
export function runStreaming(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; prefix?: string } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? podmanEnv(),
      cwd: options.cwd ?? repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const prefix = options.prefix ? `[${options.prefix}] ` : '';
    const keep = (chunk: Buffer, stream: NodeJS.WriteStream) => {
      const text = chunk.toString();
      output = (output + text).slice(-64 * 1024);
      stream.write(prefix ? text.replace(/^(?=.)/gm, prefix) : text);
    };
    child.stdout.on('data', (chunk: Buffer) => keep(chunk, process.stdout));
    child.stderr.on('data', (chunk: Buffer) => keep(chunk, process.stderr));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** `podman …` with the project's settings. */
export function podman(args: string[], options: Parameters<typeof run>[2] = {}): string {
  return runOk('podman', args, options);
}

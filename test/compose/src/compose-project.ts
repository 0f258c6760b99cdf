// One docker-compose project on podman: the real docker-compose 1.29 run against the repo's
// docker-compose.yml through DOCKER_HOST, plus what the tests read back from podman (containers,
// their health and exit codes) and a check that nothing of the project is left behind.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { podmanEnv, repo, runStreaming } from './podman-env.js';

const exec = promisify(execFile);

export interface ContainerState {
  readonly id: string;
  /** Container name, e.g. ingestlab-t1_http-ingest_1. */
  readonly name: string;
  /** compose service name. */
  readonly service: string;
  /** running, exited, created... */
  readonly status: string;
  readonly exitCode: number;
  /** starting, healthy, unhealthy; null when the image or service has no health check. */
  readonly health: string | null;
}

export interface Leftovers {
  containers: string[];
  networks: string[];
  volumes: string[];
}

export class ComposeProject {
  readonly name: string;
  /** Environment of every docker-compose run: podman's settings plus the project's interpolation values. */
  readonly env: NodeJS.ProcessEnv;

  constructor(name: string, values: Record<string, string> = {}) {
    this.name = name;
    this.env = { ...podmanEnv(), ...values };
  }

  /** `docker-compose -p NAME -f docker-compose.yml ...args` with output captured; throws on failure. */
  async compose(
    args: string[],
    options: { timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<string> {
    try {
      const { stdout, stderr } = await exec('docker-compose', this.#args(args), {
        cwd: repo,
        env: { ...this.env, ...options.env },
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return `${stdout}${stderr}`;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number; signal?: string };
      const output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.slice(-6000);
      throw new Error(
        `docker-compose ${args.join(' ')} failed (${failed.signal ?? `exit ${failed.code}`}):\n${output}`,
      );
    }
  }

  /** Like compose(), but the output is streamed with a prefix (long builds show progress). */
  async composeStreaming(
    args: string[],
    prefix = 'compose',
  ): Promise<{ code: number | null; output: string }> {
    return runStreaming('docker-compose', this.#args(args), { env: this.env, prefix });
  }

  #args(args: string[]): string[] {
    return ['-p', this.name, '-f', join(repo, 'docker-compose.yml'), ...args];
  }

  /** Every container of the project, running or not, read from podman. */
  async containers(): Promise<ContainerState[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const { stdout } = await exec('podman', ['ps', '-a', '-q', '--filter', label], { env: this.env });
    const ids = stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const { stdout: json } = await exec('podman', ['inspect', ...ids], {
      env: this.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    type Inspected = {
      Id: string;
      Name: string;
      Config: { Labels?: Record<string, string> };
      State: {
        Status: string;
        ExitCode: number;
        Health?: { Status?: string };
        Healthcheck?: { Status?: string };
      };
    };
    return (JSON.parse(json) as Inspected[]).map((c) => ({
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      service: c.Config.Labels?.['com.docker.compose.service'] ?? '',
      status: c.State.Status,
      exitCode: c.State.ExitCode,
      health: c.State.Health?.Status || c.State.Healthcheck?.Status || null,
    }));
  }

  /** Containers, networks and volumes that carry the project's label. */
  async leftovers(): Promise<Leftovers> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const list = async (args: string[]) =>
      (await exec('podman', args, { env: this.env })).stdout.split('\n').filter(Boolean);
    return {
      containers: await list(['ps', '-a', '--filter', label, '--format', '{{.Names}}']),
      networks: await list(['network', 'ls', '--filter', label, '--format', '{{.Name}}']),
      volumes: await list(['volume', 'ls', '--filter', label, '--format', '{{.Name}}']),
    };
  }

  /** Last resort after a failed test: removes whatever the project left, by force. */
  async forceRemove(): Promise<void> {
    const left = await this.leftovers();
    const quiet = (args: string[]) => exec('podman', args, { env: this.env }).catch(() => undefined);
    if (left.containers.length) await quiet(['rm', '-f', '-t', '2', ...left.containers]);
    if (left.networks.length) await quiet(['network', 'rm', '-f', ...left.networks]);
    if (left.volumes.length) await quiet(['volume', 'rm', '-f', ...left.volumes]);
  }

  /** A container's last log lines and last health check results, for failure messages. */
  async diagnose(container: string, lines = 30): Promise<string> {
    const logs = await exec('podman', ['logs', '--tail', String(lines), container], { env: this.env })
      .then(({ stdout, stderr }) => `${stdout}${stderr}`)
      .catch((error: Error) => error.message);
    const health = await exec('podman', ['inspect', '--format', '{{json .State.Health.Log}}', container], {
      env: this.env,
    })
      .then(({ stdout }) => stdout.trim())
      .catch(() => '');
    return `${logs.trim()}${health && health !== 'null' ? `\nhealth checks: ${health.slice(-1500)}` : ''}`;
  }

  /** The last lines a service's containers logged, for failure messages. */
  async logs(service: string, lines = 40): Promise<string> {
    return this.compose(['logs', '--no-color', '--tail', String(lines), service]).catch(
      (e: Error) => e.message,
    );
  }
}

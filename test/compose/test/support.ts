// What the compose tests share: the podman service and health loop around one compose project,
// reading /stats through nginx, and waiting for every container to be healthy.
import { waitUntil } from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';
import { type ApiService, startApiService } from '../src/api-service.js';
import type { ComposeProject, ContainerState } from '../src/compose-project.js';
import { HealthLoop } from '../src/health-loop.js';
import { preparePodman, run } from '../src/podman-env.js';
import { ensureStandIns } from '../src/stand-ins.js';

export interface Harness {
  readonly service: ApiService;
  readonly health: HealthLoop;
  /** Takes the project down (volumes too), removes what is left by force, stops loop and service. */
  close(): Promise<void>;
}

/** Stand-in images, the API socket and the health loop for `project`. */
export async function startHarness(project: ComposeProject): Promise<Harness> {
  const startedAt = new Date();
  const paths = preparePodman();
  const service = await startApiService(paths);
  try {
    const built = await ensureStandIns();
    if (built.length > 0) console.log(`compose: stand-in images built: ${built.join(', ')}`);
  } catch (error) {
    await service.stop();
    throw error;
  }
  const health = new HealthLoop({ project: project.name }).start();
  return {
    service,
    health,
    async close() {
      await project
        .compose(['--profile', 'load', '--profile', 'bench', 'down', '-v', '--remove-orphans', '-t', '20'])
        .catch((error: Error) => console.error(error.message));
      await project.forceRemove();
      await health.stop();
      await service.stop();
      // Each build leaves untagged build-stage images (over 1 GB each): keep this run's, as the next
      // run's cache, and drop older ones so the store does not grow without bound.
      run('podman', ['image', 'prune', '-f', '--filter', `until=${startedAt.toISOString()}`]);
    },
  };
}

/** The services of the default stack and how many containers each runs. */
export const DEFAULT_STACK: Record<string, number> = {
  redis: 1,
  'http-ingest': 2,
  'http-worker': 2,
  'ws-ingest': 1,
  dashboard: 1,
  nginx: 1,
};

/** Waits until every default-stack container runs and each one with a health check is healthy. */
export async function waitHealthy(project: ComposeProject, timeoutMs = 180_000): Promise<ContainerState[]> {
  let last: ContainerState[] = [];
  try {
    await waitForHealth();
  } catch (error) {
    // Say why: the logs and last health check of every container that is not running and healthy.
    const notes: string[] = [];
    for (const c of last.filter((c) => c.status !== 'running' || c.health === 'unhealthy')) {
      notes.push(
        `--- ${c.name} (${c.status}, exit ${c.exitCode}, ${c.health}):\n${await project.diagnose(c.name)}`,
      );
    }
    throw new Error(`${(error as Error).message}\n${notes.join('\n')}`);
  }
  return last;

  async function waitForHealth() {
    await waitUntil(
      async () => {
        last = (await project.containers()).filter((c) => c.service in DEFAULT_STACK);
        const counts = new Map<string, number>();
        for (const c of last) counts.set(c.service, (counts.get(c.service) ?? 0) + 1);
        const complete = Object.entries(DEFAULT_STACK).every(([service, n]) => counts.get(service) === n);
        return (
          complete &&
          last.every((c) => c.status === 'running' && (c.health === null || c.health === 'healthy'))
        );
      },
      timeoutMs,
      () =>
        `every container running and healthy; now: ${last.map((c) => `${c.name} ${c.status}/${c.health}`).join(', ')}`,
      { intervalMs: 1000 },
    );
  }
}

/** GET base/s1/stats or base/s2/stats through nginx. */
export async function statsOf(front: string, system: 's1' | 's2'): Promise<Stats> {
  const response = await fetch(`${front}/${system}/stats`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`${system}/stats answered ${response.status}`);
  return (await response.json()) as Stats;
}

/**
 * Waits until a system has taken in exactly `accepted` samples and aggregated all of them; returns
 * the last stats read (the assertion's message shows them when it times out).
 */
export async function waitReconciled(
  front: string,
  system: 's1' | 's2',
  accepted: number,
  timeoutMs = 60_000,
): Promise<Stats> {
  let last: Stats | undefined;
  await waitUntil(
    async () => {
      last = await statsOf(front, system).catch(() => undefined);
      return last !== undefined && last.accepted === accepted && last.aggregated === accepted;
    },
    timeoutMs,
    () => `${system}: accepted = aggregated = ${accepted}; last /stats ${JSON.stringify(last)}`,
    { intervalMs: 500 },
  );
  return last as Stats;
}

/** Samples acknowledged, from the producers CLI's closing summary ("acknowledged  <batches>  <samples>"). */
export function acknowledgedSamples(log: string): number | null {
  const match = /^\s*(?:\S+\s+\|\s+)?\s*acknowledged\s+([\d,]+)\s+([\d,]+)\s*$/m.exec(log);
  return match?.[2] ? Number(match[2].replace(/,/g, '')) : null;
}

// docker-compose.yml as docker-compose 1.29 reads it, checked against the apps, Dockerfiles, CLI and
// nginx template by nginx/verify-compose.mjs (no container engine needed; `pnpm test:compose` runs
// it all for real on podman). The check is shown to catch each kind of rot it is there for.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPOSE_INSTALL_HINT, findDockerCompose, verifyCompose } from '../../nginx/verify-compose.mjs';

const repo = join(import.meta.dirname, '..', '..');
const original = readFileSync(join(repo, 'docker-compose.yml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ingestlab-compose-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A compose interpolation, `${body}` (written so, not as a string, to say it is no template). */
const v = (body: string) => `\${${body}}`;

/** verifyCompose on a copy of docker-compose.yml with one text replaced (which must occur). */
async function problemsWith(from: string, to: string): Promise<string[]> {
  expect(original).toContain(from);
  const file = join(dir, `variant-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, original.replace(from, to));
  return verifyCompose({ file, nginx: null });
}

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose config and matches what the parts read', async () => {
    // Missing docker-compose is a failure with the install line, not a skip: CI installs it.
    expect(findDockerCompose(), COMPOSE_INSTALL_HINT).not.toBeNull();
    expect(await verifyCompose()).toEqual([]);
  });

  it('finds an Artillery scenario that does not exist', async () => {
    const problems = await problemsWith(
      v('ARTILLERY_SCENARIO:-h2-tls-ingest'),
      v('ARTILLERY_SCENARIO:-front-door'),
    );
    expect(problems.join('\n')).toContain(
      'default scenario front-door is not a file in load-tests/scenarios',
    );
  });

  it('finds a setting no config loader reads', async () => {
    const problems = await problemsWith(
      '      WS_PORT: "3003"\n',
      '      WS_PORT: "3003"\n      HISTORY_SIZE: "60"\n',
    );
    expect(problems.join('\n')).toContain(
      "ws-ingest sets HISTORY_SIZE, which System 2's loadConfig never reads",
    );
  });

  it('finds a scale profile whose merger or front door misses a shard', async () => {
    const merger = await problemsWith(',ws-shard-3=http://ws-shard-3:3003\n', '\n');
    expect(merger.join('\n')).toContain("ws-merger's SHARD_URLS is");
    const front = await problemsWith(' server ws-shard-3:3003 max_fails=3 fail_timeout=5s;"', '"');
    expect(front.join('\n')).toContain(
      'nginx-scale: FRONT_S2_INGEST_SERVERS names ws-shard-1:3003, ws-shard-2:3003',
    );
  });

  it('finds a scale profile whose System 1 misses its Redis Cluster', async () => {
    const front = await problemsWith(
      'FRONT_S1_SERVERS: "server http-ingest-cluster:3001',
      'FRONT_S1_SERVERS: "server http-ingest:3001',
    );
    expect(front.join('\n')).toContain('nginx-scale: FRONT_S1_SERVERS must point at http-ingest-cluster');
    const nodes = await problemsWith(
      'REDIS_CLUSTER_NODES: redis-node-1:6379,redis-node-2:6379,redis-node-3:6379\n    expose: ["3001"',
      'REDIS_CLUSTER_NODES: redis:6379\n    expose: ["3001"',
    );
    expect(nodes.join('\n')).toContain('http-ingest-cluster: REDIS_CLUSTER_NODES must name the cluster');
    const init = await problemsWith('--cluster-replicas 1', '--cluster-replicas 0');
    expect(init.join('\n')).toContain('redis-cluster-init must create the cluster with --cluster-replicas 1');
  });

  it('finds a producer flag or value the producers CLI refuses', async () => {
    const problems = await problemsWith('--batch ' + v('LOAD_BATCH:-10'), '--batch ' + v('LOAD_BATCH:-5000'));
    expect(problems.join('\n')).toMatch(/load-http: ingestlab-produce refuses .*--batch 5000/);
  });

  it('finds a missing Dockerfile, a missing bind-mount source and a missing script', async () => {
    expect(
      (
        await problemsWith(
          'dockerfile: apps/dashboard/Dockerfile',
          'dockerfile: apps/dashboard/Containerfile',
        )
      ).join('\n'),
    ).toContain('dashboard: Dockerfile apps/dashboard/Containerfile is missing');
    expect(
      (
        await problemsWith(
          v('RESULTS_DIR:-./load-tests/results') + ':/repo',
          v('RESULTS_DIR:-./load-tests/no-such-dir') + ':/repo',
        )
      ).join('\n'),
    ).toMatch(/bind mount .*load-tests\/no-such-dir is missing/);
    expect(
      (await problemsWith('command: ["node", "dist/worker.js"]', 'command: ["node", "dist/wrker.js"]')).join(
        '\n',
      ),
    ).toContain('http-worker runs dist/wrker.js, but apps/http-ingest/src/wrker.ts does not exist');
  });
});

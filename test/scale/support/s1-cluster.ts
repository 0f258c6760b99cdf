// System 1 on a real Redis Cluster for the scale test: a private 3-master cluster (a replica each),
// ingest replicas and a worker started from source with REDIS_CLUSTER_NODES, all in one ChildGroup;
// and producers that count what was acknowledged, sample by sample.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  answers,
  ChildGroup,
  freePort,
  type PrivateRedisCluster,
  startRedisCluster,
  waitUntil,
} from '@ingestlab/devkit';
import type { Batch, Sample, Window } from '@ingestlab/metric-schema';
import { Cluster } from 'ioredis';

const REPO = join(import.meta.dirname, '..', '..', '..');

export interface S1OnCluster {
  cluster: PrivateRedisCluster;
  group: ChildGroup;
  /** HTTP/1.1 base URL of each ingest replica. */
  replicas: string[];
  keyPrefix: string;
  /** A client of the test's own, to read what System 1 wrote. */
  redis: Cluster;
  /** Every published window, oldest first, read from the history list. */
  history(): Promise<Window[]>;
  stop(): Promise<void>;
}

export async function startS1OnCluster(options: {
  replicas: number;
  windowMs: number;
  env?: NodeJS.ProcessEnv;
}): Promise<S1OnCluster> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  const group = new ChildGroup({ graceMs: 5000 });
  group.add(cluster.servers[0]!.process, { stop: () => cluster.stop() });
  const keyPrefix = `scale-${randomUUID().slice(0, 6)}`;
  const base = {
    ...process.env,
    HOST: '127.0.0.1',
    REDIS_CLUSTER_NODES: cluster.nodesSetting,
    KEY_PREFIX: keyPrefix,
    WINDOW_MS: String(options.windowMs),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '0',
    CERT_DIR: '/tmp/ingestlab-test-certs',
    ...options.env,
  };
  const start = (name: string, script: string, env: NodeJS.ProcessEnv) =>
    group.start(name, process.execPath, ['--import', 'tsx', '--conditions=source', script], {
      cwd: join(REPO, 'apps', 'http-ingest'),
      env: { ...base, ...env },
      echo: process.env.SCALE_TEST_ECHO === '1',
    });
  const replicas: string[] = [];
  try {
    for (let i = 0; i < options.replicas; i += 1) {
      const [http, h2c, https] = [await freePort(), await freePort(), await freePort()];
      start(`s1-${i + 1}`, 'src/server.ts', {
        HTTP_PORT: String(http),
        H2C_PORT: String(h2c),
        HTTPS_PORT: String(https),
      });
      replicas.push(`http://127.0.0.1:${http}`);
    }
    start('s1-worker', 'src/worker.ts', {});
    for (const url of replicas) {
      await waitUntil(
        () => answers(`${url}/readyz`),
        90_000,
        () => `${url}/readyz`,
        {
          intervalMs: 200,
          abort: () => group.died(2000),
        },
      );
    }
  } catch (error) {
    await group.stop();
    throw error;
  }
  const redis = new Cluster(
    cluster.nodesSetting
      .split(',')
      .map((address) => ({ host: '127.0.0.1', port: Number(address.split(':')[1]) })),
    { scaleReads: 'master', retryDelayOnClusterDown: 200, retryDelayOnFailover: 200 },
  );
  redis.on('error', () => {});
  return {
    cluster,
    group,
    replicas,
    keyPrefix,
    redis,
    async history() {
      const texts = await redis.lrange(`{${keyPrefix}:s1}:history`, 0, -1);
      return texts.reverse().map((text) => JSON.parse(text) as Window);
    },
    async stop() {
      redis.disconnect();
      await group.stop();
    },
  };
}

/** What the producers had acknowledged: every acked sample, and how acks went. */
export interface Acked {
  samples: Sample[];
  batches: number;
  /** When each acknowledgement arrived (ms since the epoch), in order. */
  ackTimes: number[];
  /** Answers other than 202 (503 while a master fails over, 429) and network errors, by kind. */
  refusals: Map<string, number>;
}

let counter = 0;

/** A batch of `size` samples from `producer`, with values that tell samples apart. */
export function makeBatch(producer: string, seq: number, size: number): Batch {
  const ts = Date.now();
  const samples: Sample[] = [];
  for (let i = 0; i < size; i += 1) {
    counter += 1;
    samples.push({
      host: `${producer}-h${i % 4}`,
      ts,
      cpu: (counter * 7) % 101,
      mem: (counter * 13) % 100,
      disk: (counter * 3) % 100,
      netIn: 1000 + (counter % 997),
      netOut: 500 + ((counter * 2) % 991),
    });
  }
  return { producer, seq, samples };
}

/**
 * Posts a batch to the replicas in turn until one acknowledges it (202), retrying 429, 503 and
 * network errors as a producer would; adds its samples to `acked` once (a 202 for a repeat counts
 * nothing twice: the repeat's samples were counted at its first 202). Gives up after `deadlineMs`.
 */
export async function sendUntilAcked(
  replicas: readonly string[],
  batch: Batch,
  acked: Acked,
  deadlineMs = 60_000,
): Promise<void> {
  const body = JSON.stringify(batch);
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; Date.now() < until; attempt += 1) {
    const url = replicas[(batch.seq + attempt) % replicas.length]!;
    let kind: string;
    try {
      const response = await fetch(`${url}/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-producer': batch.producer },
        body,
        signal: AbortSignal.timeout(5000),
      });
      const text = await response.text();
      if (response.status === 202) {
        const answer = JSON.parse(text) as { accepted: number; duplicate: boolean };
        // A repeat is acknowledged again; its samples were counted at the first acknowledgement,
        // which this producer never saw (that attempt failed on the way back), so count them now.
        acked.samples.push(...batch.samples);
        acked.batches += 1;
        acked.ackTimes.push(Date.now());
        if (answer.accepted !== batch.samples.length && !answer.duplicate) {
          throw new Error(`acknowledged ${answer.accepted} of ${batch.samples.length} samples`);
        }
        return;
      }
      if (response.status !== 429 && response.status !== 503) {
        throw new Error(`unexpected answer ${response.status}: ${text}`);
      }
      kind = String(response.status);
    } catch (error) {
      if ((error as Error).message.startsWith('unexpected answer')) throw error;
      if ((error as Error).message.startsWith('acknowledged')) throw error;
      kind = 'network';
    }
    acked.refusals.set(kind, (acked.refusals.get(kind) ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`batch ${batch.producer}/${batch.seq} not acknowledged in ${deadlineMs} ms`);
}

export function emptyAcked(): Acked {
  return { samples: [], batches: 0, ackTimes: [], refusals: new Map() };
}

// A private Redis Cluster for tests, the native stack and benchmarks: N masters and R replicas each,
// every one a redis-server in cluster mode on a free port, joined by `redis-cli --cluster create`,
// ready once every node reports cluster_state:ok and every replica is in sync. Stopped as a whole.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findBinary } from './binaries.js';
import { type PrivateRedis, REDIS_INSTALL_HINT, startRedis } from './redis.js';
import { waitUntil } from './wait.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters; the 16,384 slots are split evenly between them. At least 3 (Redis's minimum). Default 3. */
  masters?: number;
  /** Replicas per master. Default 1. */
  replicasPerMaster?: number;
  /**
   * cluster-node-timeout (ms): a master unreachable this long is failed over to its replica
   * automatically. Short, so failover tests are quick. Default 2000.
   */
  nodeTimeoutMs?: number;
  /** Echo every node's log with a `[redis:port]` prefix. Default false. */
  echo?: boolean;
  /** Run each node in its own process group (see RedisOptions.detached). Default false. */
  detached?: boolean;
  /** SIGKILL the nodes when this process dies, even by kill -9. Default false. */
  dieWithParent?: boolean;
}

/** One node as the cluster sees it. */
export interface ClusterNode {
  readonly port: number;
  readonly url: string;
  readonly id: string;
  readonly role: 'master' | 'replica';
  /** A replica's master's id; null for a master. */
  readonly masterId: string | null;
}

export interface PrivateRedisCluster {
  /** Every node's `host:port`, comma-separated: what REDIS_CLUSTER_NODES takes. */
  readonly nodesSetting: string;
  /** Every node's server process, in start order. */
  readonly servers: readonly PrivateRedis[];
  readonly masters: number;
  /** The cluster's current view (roles change on failover). Asked of a live node. */
  topology(): Promise<ClusterNode[]>;
  /** Resolves once every live node reports cluster_state:ok and agrees on one master per slot range. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** `redis-cli -p <port> <args...>` against one node; its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** kill -9 the server on `port`, as a crash. */
  crash(port: number): Promise<void>;
  /** Stops every node (SIGTERM, then SIGKILL) and removes their directories. */
  stop(): Promise<void>;
}

export function findRedisCli(): string | null {
  return findBinary('redis-cli', {
    envVar: 'REDIS_CLI_BIN',
    places: ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli', '/opt/homebrew/bin/redis-cli'],
  });
}

/** Starts the cluster and resolves once it serves every slot; leaves nothing running when it fails. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<PrivateRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  }
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`replicasPerMaster must be a whole number >= 0, got ${replicas}`);
  }
  const cliBinary = findRedisCli();
  if (!cliBinary) throw new Error(REDIS_INSTALL_HINT.replace('redis-server was', 'redis-cli was'));
  const servers: PrivateRedis[] = [];
  const stopAll = () => Promise.all(servers.map((server) => server.stop().catch(() => {})));
  const cli = async (port: number, ...args: string[]) =>
    (await run(cliBinary, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })).stdout;
  try {
    const nodeArgs = [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 2000),
      // A replica takes over however long it was out of touch (tests kill masters on purpose).
      '--cluster-replica-validity-factor',
      '0',
    ];
    const total = masters * (1 + replicas);
    const started = await Promise.allSettled(
      Array.from({ length: total }, () =>
        startRedis({
          extraArgs: nodeArgs,
          echo: options.echo,
          detached: options.detached,
          dieWithParent: options.dieWithParent,
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // redis-cli makes the first `masters` addresses masters and the rest their replicas.
    await run(
      cliBinary,
      [
        '--cluster',
        'create',
        ...servers.map((server) => `127.0.0.1:${server.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
  } catch (error) {
    await stopAll();
    throw error;
  }

  const cluster: PrivateRedisCluster = {
    nodesSetting: servers.map((server) => `127.0.0.1:${server.port}`).join(','),
    servers,
    masters,
    cli,
    async topology() {
      const live = servers.filter((server) => server.process.alive());
      for (const server of live) {
        try {
          return parseClusterNodes(await cli(server.port, 'CLUSTER', 'NODES'));
        } catch {
          // try the next node
        }
      }
      throw new Error('no cluster node answers');
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitUntil(
        async () => {
          const live = servers.filter((server) => server.process.alive());
          for (const server of live) {
            const info = await cli(server.port, 'CLUSTER', 'INFO');
            if (!info.includes('cluster_state:ok')) return false;
          }
          const nodes = await cluster.topology();
          const liveMasters = nodes.filter((node) => node.role === 'master' && isLive(node, live));
          if (liveMasters.length !== masters) return false;
          // Every live replica has finished its first sync with its master.
          for (const node of nodes.filter((n) => n.role === 'replica' && isLive(n, live))) {
            const info = await cli(node.port, 'INFO', 'replication');
            if (!info.includes('master_link_status:up')) return false;
          }
          return true;
        },
        timeoutMs,
        () => `Redis Cluster (${masters} masters) to report cluster_state:ok with replicas in sync`,
        { intervalMs: 100 },
      );
    },
    async crash(port) {
      const server = servers.find((s) => s.port === port);
      if (!server) throw new Error(`no cluster node on port ${port}`);
      await server.crash();
    },
    async stop() {
      await stopAll();
    },
  };
  try {
    await cluster.waitHealthy(60_000);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return cluster;
}

function isLive(node: ClusterNode, live: readonly PrivateRedis[]): boolean {
  return live.some((server) => server.port === node.port);
}

/** Parses CLUSTER NODES: `<id> <ip:port@bus> <flags> <master> ...`; failed nodes are left out. */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flags, master] = fields as [string, string, string, string];
    const flagList = flags.split(',');
    if (flagList.includes('fail') || flagList.includes('noaddr')) continue;
    const port = Number(address.split('@')[0]!.split(':').pop());
    const role = flagList.includes('master') ? 'master' : 'replica';
    nodes.push({
      id,
      port,
      url: `redis://127.0.0.1:${port}`,
      role,
      masterId: role === 'master' || master === '-' ? null : master,
    });
  }
  return nodes;
}

// The private Redis Cluster: it serves every slot, a killed master's replica takes over, and stop
// leaves no process behind.
import { afterAll, describe, expect, it } from 'vitest';
import { type PrivateRedisCluster, startRedisCluster } from '../src/redis-cluster.js';

describe('startRedisCluster', () => {
  let cluster: PrivateRedisCluster | null = null;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts 3 masters with a replica each, fails a killed master over, and stops every node', async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    const nodes = await cluster.topology();
    expect(nodes.filter((n) => n.role === 'master')).toHaveLength(3);
    expect(nodes.filter((n) => n.role === 'replica')).toHaveLength(3);
    expect(cluster.nodesSetting.split(',')).toHaveLength(6);
    const port = nodes.find((n) => n.role === 'master')!.port;
    expect(await cluster.cli(port, 'CLUSTER', 'INFO')).toContain('cluster_slots_assigned:16384');

    const victim = nodes.find((n) => n.role === 'master')!;
    const replica = nodes.find((n) => n.masterId === victim.id)!;
    await cluster.crash(victim.port);
    await cluster.waitHealthy(30_000);
    const after = await cluster.topology();
    expect(after.find((n) => n.port === replica.port)?.role).toBe('master');

    const pids = cluster.servers.map((s) => s.process.child.pid!);
    await cluster.stop();
    cluster = null;
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 120_000);
});

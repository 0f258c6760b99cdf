// System 2 as shards, for real: three shard processes behind the real nginx (`hash $arg_producer
// consistent`), the merger over them, per-host WebSocket producers through nginx. Proves the merged
// windows are exactly the aggregate of every acknowledged sample, and that a shard killed with
// SIGKILL costs only its own open window while the merger names it as missing.
import { type PartialWindow, WindowAggregate } from '@ingestlab/aggregation';
import { ChildGroup, waitUntil } from '@ingestlab/devkit';
import type { Stats, Window } from '@ingestlab/metric-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet } from './support/s2-producers.js';
import { type ShardTopology, startShardTopology } from './support/s2-topology.js';

const WINDOW_MS = 1000;
const METRICS = ['cpu', 'mem', 'disk', 'netIn', 'netOut'] as const;
const RUN = `t${Date.now().toString(36)}`;

interface PartialsAnswer {
  windows: { partial: PartialWindow; rejected: number; missing: string[] }[];
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every window's partial merged into one aggregate (start 0): the whole run as one window. */
function mergeAll(partials: readonly PartialWindow[]): WindowAggregate {
  const all = new WindowAggregate(0, WINDOW_MS);
  for (const partial of partials) all.merge(WindowAggregate.fromPartial({ ...partial, start: 0 }));
  return all;
}

/** The parts of a window that come from its samples alone (not lag, viewers or publication time). */
function sampleView(window: Window) {
  return {
    samples: window.samples,
    hosts: window.hosts,
    top: window.top,
    ...Object.fromEntries(METRICS.map((m) => [m, window[m] && { ...window[m], avg: undefined }])),
  };
}

describe('System 2 as 3 shards behind nginx, merged', () => {
  const group = new ChildGroup();
  let topo: ShardTopology;
  let merger: string;
  let front: string;

  beforeAll(async () => {
    topo = await startShardTopology(group, 3, { WINDOW_MS: String(WINDOW_MS), MERGE_WAIT_MS: '3000' });
    merger = `http://127.0.0.1:${topo.mergerPort}`;
    front = `http://127.0.0.1:${topo.frontPort}/s2`;
  }, 240_000);

  afterAll(async () => {
    await group.stop();
  });

  it('merges into exactly the aggregate of every acknowledged sample: acked = accepted = aggregated', async () => {
    const fleet = startFleet({
      url: `ws://127.0.0.1:${topo.frontPort}/s2`,
      hosts: 24,
      prefix: `${RUN}-a`,
      batchSize: 5,
      intervalMs: 100,
    });
    // At least 4 s (several windows on every shard) and 2,400 samples, however slow the machine is.
    const began = Date.now();
    await waitUntil(
      () => Date.now() - began >= 4000 && fleet.acked.length >= 2400,
      60_000,
      () => `2,400 acknowledged samples (${fleet.acked.length} so far)`,
      { intervalMs: 100 },
    );
    await fleet.stop();
    expect(fleet.lost).toEqual({ refused: 0, failed: 0 });
    const acked = fleet.acked.length;

    // Every shard took some producers: nginx spread them by name.
    for (const shard of topo.shards) {
      const stats = await getJson<Stats>(`http://127.0.0.1:${shard.port}/stats`);
      expect(stats.accepted, `${shard.name} took no samples`).toBeGreaterThan(0);
    }
    // Through nginx, /s2/stats is the merger's: summed, once every window holding the run is published.
    let stats: Stats | undefined;
    await waitUntil(
      async () => {
        stats = await getJson<Stats>(`${front}/stats`);
        return stats.accepted === acked && stats.aggregated === acked;
      },
      20_000,
      () => `merged /stats to reach acked ${acked}: ${JSON.stringify(stats)}`,
      { intervalMs: 200 },
    );
    expect(stats!.shards?.map((s) => [s.name, s.state])).toEqual(topo.shards.map((s) => [s.name, 'up']));
    expect(stats!.shards!.reduce((sum, s) => sum + s.accepted, 0)).toBe(acked);

    // The whole run: the merged windows (the merger's own partials) equal the offline aggregate.
    const merged = await getJson<PartialsAnswer>(`${merger}/shard/partials?after=-1`);
    const whole = mergeAll(merged.windows.map((w) => w.partial)).close({ publishedAt: 0 });
    const offline = new WindowAggregate(0, WINDOW_MS);
    offline.addAll(fleet.acked);
    const expected = offline.close({ publishedAt: 0 });
    expect(sampleView(whole)).toEqual(sampleView(expected));
    for (const m of METRICS) expect(whole[m]!.avg).toBeCloseTo(expected[m]!.avg, 6);

    // Window by window: what viewers got equals the shards' own partials merged offline.
    const history = await getJson<{ windows: Window[] }>(`${front}/api/history?range=1m`);
    const byShard = await Promise.all(
      topo.shards.map((s) => getJson<PartialsAnswer>(`http://127.0.0.1:${s.port}/shard/partials?after=-1`)),
    );
    const withSamples = history.windows.filter((w) => w.samples > 0);
    expect(withSamples.length).toBeGreaterThanOrEqual(4);
    for (const window of withSamples) {
      expect(window.shards).toEqual({ expected: 3, reported: 3, missing: [] });
      const parts = byShard.flatMap((a) => a.windows.filter((w) => w.partial.start === window.start));
      expect(parts).toHaveLength(3);
      const reference = new WindowAggregate(window.start, WINDOW_MS);
      for (const part of parts) reference.merge(part.partial);
      expect(sampleView(window)).toEqual(sampleView(reference.close({ publishedAt: 0 })));
    }
  });

  it('a shard killed with SIGKILL loses only its open window; the others go on and it is named missing', async () => {
    // Start from a settled merger: everything acknowledged so far is in a published window.
    let before = await getJson<Stats>(`${front}/stats`);
    await waitUntil(
      async () => {
        before = await getJson<Stats>(`${front}/stats`);
        return before.accepted === before.aggregated;
      },
      20_000,
      () => `a settled merger before the kill: ${JSON.stringify(before)}`,
      { intervalMs: 200 },
    );
    const rate = 30 * 5 * 10; // hosts × batch × batches per second
    const fleet = startFleet({
      url: `ws://127.0.0.1:${topo.frontPort}/s2`,
      hosts: 30,
      prefix: `${RUN}-b`,
      batchSize: 5,
      intervalMs: 100,
    });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const victim = topo.shards[1]!;
    const killedAt = Date.now();
    await victim.process.kill();

    // The merger names it, and keeps publishing the other two shards' windows.
    let after: Window[] = [];
    await waitUntil(
      async () => {
        const history = await getJson<{ windows: Window[] }>(`${front}/api/history?range=1m`);
        after = history.windows.filter((w) => w.start > killedAt && w.samples > 0);
        return after.length >= 3;
      },
      20_000,
      () => `three merged windows after the kill: ${JSON.stringify(after.map((w) => w.shards))}`,
      { intervalMs: 200 },
    );
    await fleet.stop();
    for (const window of after) {
      expect(window.shards).toEqual({ expected: 3, reported: 2, missing: [victim.name] });
    }
    // Its producers were moved by nginx to the next shard on the ring and resent what was unacked.
    expect(fleet.lost).toEqual({ refused: 0, failed: 0 });

    const acked = fleet.acked.length;
    let stats: Stats | undefined;
    let aggregated = 0;
    // Settled: every window up to the end of the run is published (aggregated stops moving).
    await waitUntil(
      async () => {
        stats = await getJson<Stats>(`${front}/stats`);
        const changed = stats.aggregated !== aggregated;
        aggregated = stats.aggregated;
        const survivors = stats.shards!.filter((s) => s.name !== victim.name);
        return (
          !changed &&
          survivors.every((s) => s.lastWindow !== null && s.lastWindow > Date.now() - 3 * WINDOW_MS)
        );
      },
      20_000,
      () => `the merger to settle: ${JSON.stringify(stats)}`,
      { intervalMs: 1200 },
    );
    const shown = stats!.aggregated - before.aggregated;
    const lostSamples = acked - shown;
    const victimState = stats!.shards!.find((s) => s.name === victim.name)!;
    expect(victimState.state).toBe('down');
    // Bounded: at most two windows of the victim's share (a third of the load), never anything else.
    const bound = Math.ceil((2 * rate * WINDOW_MS) / 1000 / 3) + 50;
    console.log(
      `shard kill: ${acked} acked, ${shown} in merged windows, ${lostSamples} lost (bound ${bound}; ` +
        `the victim's open window at the kill)`,
    );
    expect(lostSamples).toBeGreaterThanOrEqual(0);
    expect(lostSamples).toBeLessThanOrEqual(bound);
  });
});

// `pnpm bench:s2-shards`: System 2's throughput with 1 and with 3 shards (each time the merger and
// the real nginx in front, per-producer hashing), at a few offered rates, on this machine. Prints one
// line per step (offered and acknowledged samples/s, whether the generator was the limit, the
// merger's accounting after the step, the load average) and a JSON summary at the end.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChildGroup } from '@ingestlab/devkit';
import type { Stats } from '@ingestlab/metric-schema';
import { REPO, startShardTopology } from '../support/s2-topology.js';

const HELP = `Usage: pnpm bench:s2-shards [-- options]
System 2 throughput with 1 and 3 shards behind nginx (hash by producer) and the merger.
  --shards <list>    shard counts to measure              (default 1,3)
  --rates <list>     offered samples/s per step           (default 50000,100000,200000)
  --duration <s>     seconds of load per step             (default 8)
  --connections <n>  pooled producer connections (each its own producer, so nginx spreads them) (default 48)
  --batch <n>        samples per batch                    (default 100)
  -h, --help         this text
Runs from source (tsx); kills everything it started when done or on Ctrl-C.`;

interface Step {
  shards: number;
  offered: number;
  acknowledgedPerSec: number;
  ackedShare: number | null;
  generatorBound: boolean;
  generatorLate: boolean;
  generatorCpuPercent: number;
  mergerAccepted: number;
  mergerAggregated: number;
  /** Shards' partial windows that came after the merger's wait and were not merged (a starved machine). */
  lateWindows: number;
  loadAverage1m: number;
}

async function mergerStats(port: number): Promise<Stats> {
  return (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as Stats;
}

function list(text: string, name: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`${name} must be a list of integers ≥ 1`);
  return values;
}

async function run(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      shards: { type: 'string', default: '1,3' },
      rates: { type: 'string', default: '50000,100000,200000' },
      duration: { type: 'string', default: '8' },
      connections: { type: 'string', default: '48' },
      batch: { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const shardCounts = list(values.shards, '--shards');
  const rates = list(values.rates, '--rates');
  const [duration] = list(values.duration, '--duration');
  const [connections] = list(values.connections, '--connections');
  const [batch] = list(values.batch, '--batch');
  const steps: Step[] = [];
  for (const shards of shardCounts) {
    const group = new ChildGroup();
    const stop = () => void group.stop().then(() => process.exit(130));
    process.once('SIGINT', stop);
    try {
      console.error(`[bench] starting ${shards} shard(s), the merger and nginx`);
      const topo = await startShardTopology(group, shards, { LOG_LEVEL: 'warn' });
      let seed = 100;
      for (const offered of rates) {
        const hosts = offered; // one sample per host per second
        const child = group.start(
          `load-${shards}-${offered}`,
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=source',
            'src/cli.ts',
            '--target',
            'ws',
            '--url',
            `ws://127.0.0.1:${topo.frontPort}/s2`,
            '--hosts',
            String(hosts),
            '--rate',
            '1/s',
            '--batch',
            String(batch),
            '--connections',
            String(connections),
            '--duration',
            `${duration}s`,
            '--incidents',
            'none',
            '--seed',
            String(seed++),
            '--json',
            '--quiet',
          ],
          { cwd: join(REPO, 'packages', 'producers') },
        );
        await child.exited;
        const line = child
          .output()
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('{"target"'));
        if (!line) throw new Error(`the producers printed no summary:\n${child.output().slice(-1500)}`);
        const summary = JSON.parse(line) as {
          rates: { acknowledgedPerSec: number };
          ackedShare: number | null;
          generator: { bound: boolean; late: boolean; cpuPercent: number };
        };
        // Let the last windows close and merge before reading the merger's accounting (at most 15 s).
        let stats = await mergerStats(topo.mergerPort);
        for (let i = 0; i < 60 && stats.accepted !== stats.aggregated; i++) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          stats = await mergerStats(topo.mergerPort);
        }
        const step: Step = {
          shards,
          offered,
          acknowledgedPerSec: Math.round(summary.rates.acknowledgedPerSec),
          ackedShare: summary.ackedShare,
          generatorBound: summary.generator.bound,
          generatorLate: summary.generator.late,
          generatorCpuPercent: Math.round(summary.generator.cpuPercent),
          mergerAccepted: stats.accepted,
          mergerAggregated: stats.aggregated,
          lateWindows: (stats.shards ?? []).reduce((sum, shard) => sum + shard.lateWindows, 0),
          loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
        };
        steps.push(step);
        console.log(
          `${shards} shard(s)  offered ${offered.toLocaleString('en')}/s  acked ${step.acknowledgedPerSec.toLocaleString('en')}/s` +
            `  (${((step.ackedShare ?? 0) * 100).toFixed(1)} %)${step.generatorBound ? '  GENERATOR-BOUND' : step.generatorLate ? '  generator late' : ''}` +
            `  generator CPU ${step.generatorCpuPercent} %  merger accepted=${stats.accepted} aggregated=${stats.aggregated} late windows ${step.lateWindows}` +
            `  load ${step.loadAverage1m}`,
        );
      }
    } finally {
      process.removeListener('SIGINT', stop);
      await group.stop();
    }
  }
  console.log(JSON.stringify({ cores: 2, steps }));
}

run().catch((error: unknown) => {
  console.error(`bench:s2-shards: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});

// The comparison's command-line flags: defaults, --quick, --help text and validation. A bad flag
// is a UsageError (exit code 2) whose message names the flag, the value and what it accepts.
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { integerFlag, scriptArgs, UsageError } from '@ingestlab/devkit/cli-args';
import { MAX_PER_HOST } from '@ingestlab/producers';

export const PIPELINES = ['http1', 'h2c', 'h2', 'ws', 'http1+msgpack', 'ws+msgpack'] as const;
/** Run when --pipelines is not given: the four JSON pipelines (MessagePack ones are asked for by name). */
export const DEFAULT_PIPELINES: readonly Pipeline[] = ['http1', 'h2c', 'h2', 'ws'];
export type Pipeline = (typeof PIPELINES)[number];
export const SERIES = ['single', 'batched', 'fleet'] as const;
export type SeriesName = (typeof SERIES)[number];

export interface CompareOptions {
  /** Pipelines to drive, in this order. Default the four JSON ones (DEFAULT_PIPELINES). */
  pipelines: Pipeline[];
  /**
   * Load series: `single` (one sample per request) and `batched` (batchSize samples per request), both
   * over pooled connections and stepped in samples/s; `fleet` (one connection per host, each host one
   * sample a second) stepped in hosts. Default all three.
   */
  series: SeriesName[];
  /** Step rates of the single series, samples/s (= requests/s). */
  ratesSingle: number[];
  /** Step rates of the batched series, samples/s. */
  ratesBatched: number[];
  /** Steps of the fleet series, hosts (one connection and one sample a second each). */
  fleetHosts: number[];
  /** Fleet series: connections opened per second while a step ramps up. Default 1000. */
  connectRate: number;
  /** Samples per batch in the batched series. Default 100. */
  batchSize: number;
  /** Sending time per measured point, seconds. Default 6 (quick: 3). */
  durationS: number;
  /** Runs per point; the report gives min/median/max over them. Default 3 (quick: 1). */
  repeats: number;
  /** Simulated hosts of the single and batched series; the rate is set through each host's sample interval. Default 2000. */
  hosts: number;
  /** Seed of the fleet and producer names. Default 7. */
  seed: number;
  /** Single and batched series: pooled producer connections (one producer each), the same for every pipeline. Default 64: HTTP/1.1 has one request in flight per connection, so fewer would cap it by round trips, not by the server. */
  connections: number;
  /** Producer worker threads (1 = in the compare process), or `auto` (by the work, up to the cores). Default auto. */
  loadThreads: number | 'auto';
  /** Dashboard viewers per system. Default 500 (quick: 50). */
  viewers: number;
  /** Share of viewers on SSE rather than WebSocket. Default 0.2. */
  sseShare: number;
  /** System 1 worker processes. Default 2. */
  workers: number;
  /** Knee bound: a step passes while the median ack p99 (from the schedule) stays at or under this, ms. Default 250. */
  p99BoundMs: number;
  /** Run the bare node:http and ws baselines. Default true. */
  baselines: boolean;
  /** Keep climbing after a step fails (normally the ladder stops one step past the knee). Default false. */
  keepGoing: boolean;
  /** Record a V8 CPU profile of the server processes (node --cpu-prof). Default false. */
  cpuProf: boolean;
  /** Output folder. Default load-tests/results/<timestamp>. */
  outDir: string;
  quick: boolean;
  /** The exact command line, for the report. */
  command: string;
}

export { UsageError };

export const HELP = `pnpm compare [options]

Starts a private Redis, System 1 (HTTP/1.1, h2c, h2 over TLS; server + workers), System 2 (WebSocket)
and two bare baselines (node:http 202, ws ack) as child processes on free ports, then drives the same
open-model load at each pipeline with @ingestlab/producers, step by step, while dashboard viewers
watch both systems. After every run it drains and reconciles producer counts against /stats.
Every run measures the load generator too; a step where it could not keep its own schedule is marked
generator-bound and is never counted as the system's failure.
Writes load-tests/results/<timestamp>/{report.md,report.html,summary.json,*.png}.

Series
  single    1 sample per request over pooled connections, stepped in samples/s
  batched   --batch-size samples per request over pooled connections, stepped in samples/s
  fleet     one connection per host, each host 1 sample/s, stepped in hosts (knee in hosts)

Options
  --quick                 classroom run, about 2 minutes: one step of each series, 1 repeat, 3 s, 50 viewers
  --pipelines <list>      comma list of http1,h2c,h2,ws,http1+msgpack,ws+msgpack
                          (+msgpack: batches in MessagePack)  (default: http1,h2c,h2,ws)
  --series <list>         single, batched, fleet                  (default: single,batched,fleet)
  --rates-single <list>   step rates, samples/s, single series     (default: 1000,2000,4000,7000,10000,13000)
  --rates-batched <list>  step rates, samples/s, batched series    (default: 50000,100000,200000,400000,700000,1000000,1400000)
  --fleet-hosts <list>    steps of the fleet series, hosts         (default: 1000,2000,5000,10000,20000)
  --connect-rate <n>      fleet: connections opened per second while ramping; h2 (TLS) a quarter (default: 1000)
  --batch-size <n>        samples per batch in the batched series  (default: 100)
  --duration <s>          sending time per run (after the fleet's ramp) (default: 6)
  --repeats <n>           runs per step, for the spread            (default: 3)
  --hosts <n>             simulated hosts, single and batched      (default: 2000)
  --seed <n>              fleet seed                               (default: 7)
  --connections <n>       pooled producer connections, single and batched (default: 64)
  --load-threads <n|auto> producer worker threads                  (default: auto)
  --viewers <n>           dashboard viewers per system             (default: 500)
  --sse-share <0..1>      share of viewers on SSE                  (default: 0.2)
  --workers <n>           System 1 worker processes                (default: 2)
  --p99-bound <ms>        knee: highest step with ack p99 from schedule <= this and zero loss (default: 250)
  --no-baselines          skip the bare node:http / ws baselines
  --keep-going            climb every step even after one fails
  --cpu-prof              write V8 CPU profiles of the servers and summarise their top functions
  --out <dir>             output folder                            (default: load-tests/results/<timestamp>)
  -h, --help              this text

Exit codes: 0 done and reconciled, 1 reconciliation failed or a run broke, 2 bad flags, 130 stopped (Ctrl-C).
`;

const QUICK = {
  ratesSingle: [1000],
  ratesBatched: [50_000],
  fleetHosts: [500],
  durationS: 3,
  repeats: 1,
  viewers: 50,
  hosts: 1000,
};

const integer = integerFlag;

const VALUED = [
  '--pipelines',
  '--series',
  '--rates-single',
  '--rates-batched',
  '--fleet-hosts',
  '--connect-rate',
  '--batch-size',
  '--duration',
  '--repeats',
  '--hosts',
  '--seed',
  '--connections',
  '--load-threads',
  '--viewers',
  '--sse-share',
  '--workers',
  '--p99-bound',
  '--out',
] as const;
const BOOLEANS = ['--quick', '--no-baselines', '--keep-going', '--cpu-prof'] as const;

/** The flags given, by their `--name` (node:util parseArgs, strict); a wrong one is a UsageError. */
function parseFlags(argv: readonly string[]): Map<string, string | true> {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const flag of VALUED) options[flag.slice(2)] = { type: 'string' };
  for (const flag of BOOLEANS) options[flag.slice(2)] = { type: 'boolean' };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: scriptArgs(argv).filter((a) => a !== '--'), options, strict: true }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message;
    const flag = /'(-{1,2}[\w-]+)/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(`unknown option "${flag}" (see --help)`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(`${message.replace(/^Unexpected argument/, 'unexpected argument')} (see --help)`);
    if (/does not take an argument/.test(message)) throw new UsageError(`${flag} takes no value`);
    if (/argument missing|ambiguous/.test(message))
      throw new UsageError(`${flag.replace(/ .*/, '')} needs a value`);
    throw new UsageError(message);
  }
  const flags = new Map<string, string | true>();
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') flags.set(`--${name}`, value);
    else if (value === true) flags.set(`--${name}`, true);
  }
  return flags;
}

function number(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function list<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw.split(',').map((s) => s.trim());
  const out: T[] = [];
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new UsageError(`${flag}: "${item}" is not one of ${allowed.join(', ')}`);
    }
    if (!out.includes(item as T)) out.push(item as T);
  }
  if (out.length === 0) throw new UsageError(`${flag} needs at least one of ${allowed.join(', ')}`);
  return out;
}

function rates(flag: string, raw: string): number[] {
  const values = raw.split(',').map((s) => integer(flag, s.trim(), 1, 10_000_000));
  for (let i = 1; i < values.length; i++) {
    if ((values[i] ?? 0) <= (values[i - 1] ?? 0)) throw new UsageError(`${flag} must increase, got "${raw}"`);
  }
  return values;
}

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('Z', '');
}

/** Parses argv (without node and script); returns null when --help was asked for. */
export function parseOptions(argv: readonly string[], resultsRoot: string): CompareOptions | null {
  const flags = parseFlags(argv);
  if (flags.has('--help')) return null;
  const quick = flags.has('--quick');
  const get = (name: string): string | undefined => {
    const value = flags.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const opt = <T>(name: string, parse: (raw: string) => T, fallback: T): T => {
    const raw = get(name);
    return raw === undefined ? fallback : parse(raw);
  };
  const options: CompareOptions = {
    pipelines: opt('--pipelines', (r) => list('--pipelines', r, PIPELINES), [...DEFAULT_PIPELINES]),
    series: opt('--series', (r) => list('--series', r, SERIES), [...SERIES]),
    ratesSingle: opt(
      '--rates-single',
      (r) => rates('--rates-single', r),
      quick ? QUICK.ratesSingle : [1000, 2000, 4000, 7000, 10_000, 13_000],
    ),
    ratesBatched: opt(
      '--rates-batched',
      (r) => rates('--rates-batched', r),
      quick ? QUICK.ratesBatched : [50_000, 100_000, 200_000, 400_000, 700_000, 1_000_000, 1_400_000],
    ),
    fleetHosts: opt(
      '--fleet-hosts',
      (r) => rates('--fleet-hosts', r),
      quick ? QUICK.fleetHosts : [1000, 2000, 5000, 10_000, 20_000],
    ),
    connectRate: opt('--connect-rate', (r) => integer('--connect-rate', r, 1, 100_000), 1000),
    batchSize: opt('--batch-size', (r) => integer('--batch-size', r, 1, 1000), 100),
    durationS: opt('--duration', (r) => number('--duration', r, 1, 3600), quick ? QUICK.durationS : 6),
    repeats: opt('--repeats', (r) => integer('--repeats', r, 1, 100), quick ? QUICK.repeats : 3),
    hosts: opt('--hosts', (r) => integer('--hosts', r, 1, 1_000_000), quick ? QUICK.hosts : 2000),
    seed: opt('--seed', (r) => integer('--seed', r, 0, 2 ** 32 - 1), 7),
    connections: opt('--connections', (r) => integer('--connections', r, 1, 1024), 64),
    loadThreads: opt(
      '--load-threads',
      (r): number | 'auto' => (r === 'auto' ? 'auto' : integer('--load-threads', r, 1, 64)),
      'auto',
    ),
    viewers: opt('--viewers', (r) => integer('--viewers', r, 0, 20_000), quick ? QUICK.viewers : 500),
    sseShare: opt('--sse-share', (r) => number('--sse-share', r, 0, 1), 0.2),
    workers: opt('--workers', (r) => integer('--workers', r, 1, 64), 2),
    p99BoundMs: opt('--p99-bound', (r) => number('--p99-bound', r, 1, 600_000), 250),
    baselines: !flags.has('--no-baselines'),
    keepGoing: flags.has('--keep-going'),
    cpuProf: flags.has('--cpu-prof'),
    outDir: get('--out') ?? join(resultsRoot, timestamp()),
    quick,
    command: ['pnpm compare', ...argv.filter((a) => a !== '--')].join(' '),
  };
  if (options.connections > options.hosts) {
    throw new UsageError(`--connections (${options.connections}) cannot exceed --hosts (${options.hosts})`);
  }
  if (typeof options.loadThreads === 'number' && options.loadThreads > options.connections) {
    throw new UsageError(
      `--load-threads (${options.loadThreads}) cannot exceed --connections (${options.connections})`,
    );
  }
  if (options.series.includes('batched') && options.batchSize > options.hosts) {
    throw new UsageError(`--batch-size (${options.batchSize}) cannot exceed --hosts (${options.hosts})`);
  }
  if (options.fleetHosts.some((hosts) => hosts > MAX_PER_HOST)) {
    throw new UsageError(`--fleet-hosts: at most ${MAX_PER_HOST} hosts (one connection each) per step`);
  }
  return options;
}

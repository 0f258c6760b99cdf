// The CLI's flags: parsed with node:util parseArgs, each checked with a precise message, turned into
// LoadOptions. Kept apart from cli.ts so tests and other tools can reuse the parsing.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { integerFlag, UsageError } from '@ingestlab/devkit/cli-args';
import { ENCODINGS, type Encoding } from '@ingestlab/metric-schema';
import { INCIDENT_SCHEDULES } from './incidents.js';
import type { ConnectionModel, LoadOptions } from './load-options.js';
import { BATCHES_PER_THREAD } from './source-plan.js';
import { DEFAULT_URLS, TARGETS, type Target } from './transports/types.js';
import { parseBytes, parseDuration, parseRate } from './units.js';

export { UsageError };

export const USAGE = `Usage: ingestlab-produce [options]

Simulates a fleet of hosts and sends their metrics to an ingestlab system, counting every batch
until it is acknowledged, refused or failed, then prints a summary. By default every host is its
own producer on its own connection, as a real fleet of servers would be.

Options:
  --target <t>          http1 | h2c | h2 | ws                          (default http1)
  --encoding <e>        json | msgpack: MessagePack batches (ws: subprotocol ingestlab.msgpack;
                        http1/h2c/h2: content-type application/vnd.msgpack) (default json)
  --url <url>           base URL of the system       (default per target: ${Object.entries(DEFAULT_URLS)
    .map(([t, u]) => `${t} ${u}`)
    .join(', ')})
  --hosts <n>           simulated hosts                                (default 1000)
  --rate <r>            samples per host: 1/s, 2/s, 10/m, 1/500ms      (default 1/s)
  --batch <n>           samples per batch, 1-1000; per host, a host sends every n samples (default 1)
  --duration <d>        sending time after the ramp: 60s, 5m, 1h; 0 or inf until Ctrl-C (default 60s)
  --connections <c>     per-host: one connection per host; <n>: n pooled connections, each
                        carrying a share of the hosts (a gateway)       (default per-host)
  --connect-rate <n>    connections opened per second while ramping up  (default 1000)
  --workers <n>         worker threads, or auto (one per ${BATCHES_PER_THREAD} batches/s, up to the cores) (default auto)
  --max-backlog <n>     unanswered batches per producer before new ones are missed
                        (default 30 per host, 1024 per pooled connection)
  --max-lag <d>         generator this far behind its schedule: drop and count as missed (default 1s)
  --pipelining <n>      http1: requests pipelined per connection       (default 1)
  --sessions <n>        h2c/h2: sessions per connection                (default 1)
  --timeout <d>         time one attempt waits for its answer          (default 10s)
  --max-attempts <n>    attempts per batch before it counts as failed  (default 10)
  --seed <n>            seed of the fleet and producer names           (default 7)
  --end-to-end          ws: end-to-end acknowledgements (System 2 with DATA_DIR): keep each
                        acknowledged batch until the server commits its window, send kept
                        ones again after a reconnect; the summary counts kept, committed,
                        replayed                                       (default off)
  --retain-max <size>   with --end-to-end: most bytes kept for the whole run; at the bound,
                        sends wait for commits (backpressure)          (default 128MB)
  --token <t>           sent as "authorization: Bearer <t>"
  --insecure            accept self-signed TLS certificates (h2, https, wss)
  --ca <file>           PEM CA file to trust for TLS
  --incidents <s>       demo | none                                    (default demo)
  --day <d>             length of the simulated day, e.g. 10m          (default 24h)
  --json                print the summary as JSON on stdout (progress goes to stderr)
  --quiet               no progress lines
  -h, --help            show this help

Ack latency is measured from each batch's scheduled time ("from schedule") and from its final send
("service"). The summary says GENERATOR-BOUND when the generator could not keep its own schedule.
Each open connection is a file: the open-file limit is raised when allowed, or the run says how.
Ctrl-C stops sending, waits for in-flight acks (up to 10 s) and prints the summary.
Exit code: 0 when every batch was acknowledged, 1 when some were refused, failed or missed because
the system fell behind (a full backlog), or with --end-to-end acknowledged but never committed,
2 for bad flags or a run that cannot start.
`;

export interface CliConfig {
  help: boolean;
  json: boolean;
  quiet: boolean;
  load: LoadOptions;
}

export function parseCli(argv: string[]): CliConfig {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    // parseArgs messages name the flag already ("Unknown option '--bogus'")
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true, json: false, quiet: false, load: { target: 'http1' } };

  const target = (v.target ?? 'http1') as Target;
  if (!TARGETS.includes(target)) {
    throw new UsageError(`--target must be one of ${TARGETS.join(', ')}, got "${v.target}"`);
  }
  const encoding = (v.encoding ?? 'json') as Encoding;
  if (!ENCODINGS.includes(encoding)) {
    throw new UsageError(`--encoding must be one of ${ENCODINGS.join(', ')}, got "${v.encoding}"`);
  }
  const load: LoadOptions = {
    target,
    encoding,
    hosts: int('--hosts', v.hosts, 1, 10_000_000) ?? 1000,
    intervalMs: flag('--rate', v.rate, parseRate) ?? 1000,
    batchSize: int('--batch', v.batch, 1, 1000) ?? 1,
    durationMs: flag('--duration', v.duration, parseDuration) ?? 60_000,
    seed: int('--seed', v.seed, 0, 2 ** 32 - 1) ?? 7,
    workers:
      v.workers === undefined || v.workers === 'auto' ? 'auto' : (int('--workers', v.workers, 1, 256) ?? 1),
    connections: connectionModel(v.connections),
    incidents: schedule(v.incidents ?? 'demo'),
    insecure: v.insecure ?? false,
  };
  if (v.url !== undefined) load.url = v.url;
  if (v.token !== undefined) {
    if (v.token === '') throw new UsageError('--token must not be empty');
    load.token = v.token;
  }
  const backlog = int('--max-backlog', v['max-backlog'], 1, 1_000_000);
  if (backlog !== undefined) load.maxBacklog = backlog;
  const connectRate = int('--connect-rate', v['connect-rate'], 1, 1_000_000);
  if (connectRate !== undefined) load.connectRate = connectRate;
  const maxLag = flag('--max-lag', v['max-lag'], parseDuration);
  if (maxLag !== undefined) {
    if (!Number.isFinite(maxLag)) throw new UsageError('--max-lag must be a finite duration, e.g. 1s');
    load.maxLagMs = maxLag;
  }
  const pipelining = int('--pipelining', v.pipelining, 1, 1000);
  if (pipelining !== undefined) load.pipelining = pipelining;
  const sessions = int('--sessions', v.sessions, 1, 1000);
  if (sessions !== undefined) load.sessions = sessions;
  const timeout = flag('--timeout', v.timeout, parseDuration);
  if (timeout !== undefined) {
    if (!Number.isFinite(timeout)) throw new UsageError('--timeout must be a finite duration, e.g. 10s');
    load.timeoutMs = timeout;
  }
  if (v['end-to-end']) {
    if (target !== 'ws') throw new UsageError(`--end-to-end needs --target ws (System 2), got ${target}`);
    if (encoding === 'msgpack')
      throw new UsageError('--end-to-end is JSON only for now: drop --encoding msgpack');
    load.endToEnd = true;
  }
  const retainMax = flag('--retain-max', v['retain-max'], parseBytes);
  if (retainMax !== undefined) {
    if (!load.endToEnd) throw new UsageError('--retain-max applies only with --end-to-end');
    if (retainMax < 1024) throw new UsageError(`--retain-max must be at least 1KB, got ${v['retain-max']}`);
    load.retainMaxBytes = retainMax;
  }
  const maxAttempts = int('--max-attempts', v['max-attempts'], 1, 1000);
  if (maxAttempts !== undefined) load.retry = { maxAttempts };
  const day = flag('--day', v.day, parseDuration);
  if (day !== undefined) {
    if (!Number.isFinite(day)) throw new UsageError('--day must be a finite duration, e.g. 10m');
    load.dayMs = day;
  }
  if (v.ca !== undefined) {
    try {
      load.ca = readFileSync(v.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`--ca ${v.ca}: ${(error as Error).message}`);
    }
  }
  if (typeof load.workers === 'number' && load.workers > (load.hosts ?? 1000)) {
    throw new UsageError(`--workers (${load.workers}) cannot exceed --hosts (${load.hosts})`);
  }
  return { help: false, json: v.json ?? false, quiet: v.quiet ?? false, load };
}

function connectionModel(text: string | undefined): ConnectionModel {
  if (text === undefined || text === 'per-host') return 'per-host';
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(`--connections must be per-host or a whole number, got "${text}"`);
  }
  return int('--connections', text, 1, 100_000) ?? 'per-host';
}

function parseFlags(argv: string[]) {
  return parseArgs({
    // `pnpm --filter @ingestlab/producers produce -- --target ws` passes pnpm's `--` through
    args: argv[0] === '--' ? argv.slice(1) : argv,
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: 'string' },
      encoding: { type: 'string' },
      url: { type: 'string' },
      hosts: { type: 'string' },
      rate: { type: 'string' },
      batch: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      connections: { type: 'string' },
      'max-backlog': { type: 'string' },
      'connect-rate': { type: 'string' },
      'max-lag': { type: 'string' },
      pipelining: { type: 'string' },
      sessions: { type: 'string' },
      timeout: { type: 'string' },
      'max-attempts': { type: 'string' },
      token: { type: 'string' },
      'end-to-end': { type: 'boolean' },
      'retain-max': { type: 'string' },
      insecure: { type: 'boolean' },
      ca: { type: 'string' },
      incidents: { type: 'string' },
      day: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function int(name: string, text: string | undefined, min: number, max: number): number | undefined {
  return text === undefined ? undefined : integerFlag(name, text, min, max);
}

function flag<T>(name: string, text: string | undefined, parse: (text: string) => T): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
}

function schedule(name: string) {
  const found = Object.hasOwn(INCIDENT_SCHEDULES, name) ? INCIDENT_SCHEDULES[name] : undefined;
  if (!found) {
    throw new UsageError(
      `--incidents must be one of ${Object.keys(INCIDENT_SCHEDULES).join(', ')}, got "${name}"`,
    );
  }
  return found;
}

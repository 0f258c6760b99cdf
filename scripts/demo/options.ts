// `pnpm demo` flags and environment: validated once, with the contract's ports as defaults.
import { parseArgs } from 'node:util';
import { integerFlag, scriptArgs } from '@ingestlab/devkit';

export const HELP = `Usage: pnpm demo [-- options]

Starts everything for a live demo, from source (no build of the servers needed): Redis (REDIS_URL
when it answers, else a private redis-server), System 1 (server + one worker), System 2, the built
dashboard, and a fleet of simulated servers reporting into each system with an incident every
minute. Each simulated server is its own producer on its own connection, as a real fleet would be.
Prints the dashboard's address. Ctrl-C stops everything it started.

Options:
  --hosts <n>        simulated servers per system, one connection each (default 500)
  --rate <r>         samples per server, as the producer CLI reads it    (default 1/s)
  --batch <n>        samples a server keeps before sending them together (default 1)
  --connections <c>  per-host, or <n> pooled connections (a gateway)     (default per-host)
  --day <d>          length of the simulated day (CPU/memory cycle)      (default 10m)
  --no-load          start everything but the producers
  --no-build         serve apps/dashboard/dist as it is (skip vite build)
  --verbose          echo the systems' info logs (default: warnings only)
  -h, --help         this text

Every connection is an open file in the producer and in the system: the demo raises its open-file
limit (the systems inherit it) or says how, e.g. for \`pnpm demo -- --hosts 10000\`.

Environment (contract defaults): HOST (127.0.0.1), HTTP_PORT (3001), H2C_PORT (3002),
HTTPS_PORT (3443), WS_PORT (3003), REDIS_URL (redis://127.0.0.1:6379), DASHBOARD_PORT (4173),
INGEST_TOKEN (unset: open; when set, given to the systems and the producers).
`;

export interface DemoOptions {
  help: boolean;
  /** Simulated hosts per system. */
  hosts: number;
  /** Samples a simulated server keeps before sending them in one batch, 1 to 1000. */
  batch: number;
  /** `per-host` (one connection per simulated server) or a number of pooled connections, as the producer CLI reads it. */
  connections: string;
  /** Samples per host, in the producer CLI's syntax (e.g. "1/s"). */
  rate: string;
  /** Length of the simulated day, in the producer CLI's syntax (e.g. "10m"). */
  day: string;
  /** Start the producers. */
  load: boolean;
  /** Build the dashboard before serving it. */
  build: boolean;
  /** Echo the systems' info logs. */
  verbose: boolean;
  /** Address to reach the parts at (HOST, except 0.0.0.0, which is reached at 127.0.0.1). */
  host: string;
  /** Address the parts bind (HOST). */
  bind: string;
  ports: { http: number; h2c: number; https: number; ws: number; dashboard: number };
  redisUrl: string;
  token: string | undefined;
}

export function demoOptions(argv: string[], env: NodeJS.ProcessEnv): DemoOptions {
  const { values } = parseArgs({
    args: scriptArgs(argv),
    allowNegative: true,
    options: {
      hosts: { type: 'string', default: '500' },
      rate: { type: 'string', default: '1/s' },
      batch: { type: 'string', default: '1' },
      connections: { type: 'string', default: 'per-host' },
      day: { type: 'string', default: '10m' },
      load: { type: 'boolean', default: true },
      build: { type: 'boolean', default: true },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const port = (name: string, fallback: number) =>
    env[name] === undefined || env[name] === '' ? fallback : integerFlag(name, env[name], 1, 65535);
  return {
    help: values.help,
    hosts: integerFlag('--hosts', values.hosts, 1, 1_000_000),
    batch: integerFlag('--batch', values.batch, 1, 1000),
    connections:
      values.connections === 'per-host'
        ? 'per-host'
        : String(integerFlag('--connections', values.connections, 1, 100_000)),
    rate: values.rate,
    day: values.day,
    load: values.load,
    build: values.build,
    verbose: values.verbose,
    host: env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1',
    bind: env.HOST ?? '127.0.0.1',
    ports: {
      http: port('HTTP_PORT', 3001),
      h2c: port('H2C_PORT', 3002),
      https: port('HTTPS_PORT', 3443),
      ws: port('WS_PORT', 3003),
      dashboard: port('DASHBOARD_PORT', 4173),
    },
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    token: env.INGEST_TOKEN || undefined,
  };
}

// `pnpm lab` flags and environment, validated once at start into one typed object.
import { parseArgs } from 'node:util';
import { scriptArgs } from '@ingestlab/devkit';

export const HELP = `Usage: pnpm lab [-- options]

The instructor's lab: everything \`pnpm demo\` starts (Redis, System 1's server and worker, System 2,
the dashboard, producers), plus a control plane on 127.0.0.1 that drives the load and the faults
from the page. Prints the lab's address, http://127.0.0.1:<port>/?token=<token>: the token is new
every run and every control request needs it. Ctrl-C stops everything the lab started.

Options:
  --port <n>            the lab's port (page, API, proxies); 0 = any free   (default 4180, LAB_PORT)
  --hosts <n>           initial fleet per system, one connection per host  (default 500)
  --rate <r>            samples per host, e.g. 1/s, 2/s, 1/500ms           (default 1/s)
  --batch <n>           samples per batch                                  (default 1)
  --no-load             start with no load (the panel or a scenario starts it)
  --workers <n>         System 1 workers                                   (default 1)
  --max-hosts <n>       largest fleet per system the lab takes (422 above) (default 20000, LAB_MAX_HOSTS)
  --fleet-preset <n>    fleet of the "10,000 servers" preset  (default 10000, or --max-hosts if lower)
  --restart-after <s>   "restart after" the panel offers first, seconds    (default 10)
  --scenario <file>     play this scenario headless (a YAML file, or the name of a shipped one),
                        write a Markdown summary, then stop everything and exit
  --out <file>          where --scenario writes its summary  (default lab-results/<name>-<time>.md)
  --free-ports          put the systems and Redis on ports from the kernel (default: the contract's
                        ports, 3001-3003 and 6379, when free, else ports from the kernel)
  --no-build            serve apps/dashboard/dist as it is (skip vite build)
  --verbose             echo the systems' logs, at info level (default: kept in memory, the end
                        shown when a process dies on its own)
  -h, --help            this text

The control API (also used by the page): GET /api/lab/state, POST /api/lab/actions, GET
/api/lab/scenarios, each with "authorization: Bearer <token>" or ?token=<token>. See the README.
`;

export interface LabOptions {
  help: boolean;
  /** The control plane's port on 127.0.0.1 (0: any free). */
  port: number;
  /** The load started with the lab; null with --no-load or --scenario. */
  initialLoad: { hosts: number; rate: string; batch: number } | null;
  /** System 1 worker processes. */
  workers: number;
  /** Largest fleet (hosts) per system an action may ask for. */
  maxHosts: number;
  /** Hosts of the "10,000 servers" preset. */
  fleetPresetHosts: number;
  /** The "restart after" the panel offers first, in seconds. */
  restartAfterS: number;
  /** A scenario to play headless, then exit. */
  scenario: string | null;
  /** Where the headless scenario's summary goes. */
  out: string | null;
  /** Systems and Redis on kernel-chosen ports. */
  freePorts: boolean;
  build: boolean;
  verbose: boolean;
}

export class UsageError extends Error {}

function integer(label: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`${label} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function labOptions(argv: string[], env: NodeJS.ProcessEnv): LabOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: scriptArgs(argv),
      allowNegative: true,
      options: {
        port: { type: 'string', default: env.LAB_PORT || '4180' },
        hosts: { type: 'string', default: '500' },
        rate: { type: 'string', default: '1/s' },
        batch: { type: 'string', default: '1' },
        load: { type: 'boolean', default: true },
        workers: { type: 'string', default: '1' },
        'max-hosts': { type: 'string', default: env.LAB_MAX_HOSTS || '20000' },
        'fleet-preset': { type: 'string' },
        'restart-after': { type: 'string', default: '10' },
        scenario: { type: 'string' },
        out: { type: 'string' },
        'free-ports': { type: 'boolean', default: false },
        build: { type: 'boolean', default: true },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const maxHosts = integer('--max-hosts (LAB_MAX_HOSTS)', values['max-hosts'] as string, 1, 1_000_000);
  const hosts = integer('--hosts', values.hosts as string, 1, maxHosts);
  const rate = values.rate as string;
  if (!/^[0-9]+(\.[0-9]+)?\/([0-9]+(\.[0-9]+)?)?(ms|s|m|h)$/.test(rate)) {
    throw new UsageError(`--rate must look like 1/s, 2/s, 10/m or 1/500ms, got ${JSON.stringify(rate)}`);
  }
  const scenario = (values.scenario as string | undefined) ?? null;
  return {
    help: values.help === true,
    port: integer('--port (LAB_PORT)', values.port as string, 0, 65535),
    initialLoad:
      values.load === true && scenario === null
        ? { hosts, rate, batch: integer('--batch', values.batch as string, 1, 1000) }
        : null,
    workers: integer('--workers', values.workers as string, 1, 16),
    maxHosts,
    fleetPresetHosts: integer(
      '--fleet-preset',
      (values['fleet-preset'] as string | undefined) ?? String(Math.min(10_000, maxHosts)),
      1,
      maxHosts,
    ),
    restartAfterS: integer('--restart-after', values['restart-after'] as string, 0, 3600),
    scenario,
    out: (values.out as string | undefined) ?? null,
    freePorts: values['free-ports'] === true,
    build: values.build === true,
    verbose: values.verbose === true,
  };
}

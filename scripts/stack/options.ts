// `pnpm stack` flags: validated once, with the compose topology's ports and counts as defaults.
import { parseArgs } from 'node:util';
import { integerFlag, scriptArgs } from '@ingestlab/devkit';

export const HELP = `Usage: pnpm stack [-- options]

Starts the whole system natively, like docker compose: Redis, System 1 (ingest replicas + workers),
System 2, the dashboard and nginx in front. Runs built code (runs \`pnpm build\` when dist is missing).

Options:
  --http-port <n>     front door, plain http                 (default 8080)
  --https-port <n>    front door, TLS with HTTP/2            (default 8443)
  --replicas <n>      System 1 ingest replicas               (default 2)
  --workers <n>       System 1 workers                       (default 2)
  --redis-cluster <n> System 1 on a private Redis Cluster of n masters (3 to 16, a replica each)
                      instead of one Redis (default: one Redis)
  --s2-shards <n>     System 2 as n shards (hashed by producer in nginx) and a merger
                      serving /s2/'s reads; 0 = one System 2 process  (default 0)
  --redirect          send plain-http page requests to https (APIs under /s1/, /s2/ stay on http)
  --build             run \`pnpm build\` first even when dist exists
  --quiet             do not echo the services' logs
  -h, --help          this text

Environment: REDIS_URL (use that Redis instead of starting one), INGEST_TOKEN (passed to both systems),
NGINX_BIN, REDIS_SERVER_BIN. Replica i of System 1 listens on 3001+10i (HTTP/1.1), 3002+10i (h2c),
3443+10i (TLS); System 2 on 3003 (with --s2-shards: shard i on 3003+10i, the merger on 3005); a busy
port is replaced by a free one and printed.
`;

export interface StackOptions {
  help: boolean;
  /** Front door, plain http. */
  httpPort: number;
  /** Front door, TLS with HTTP/2. */
  httpsPort: number;
  /** System 1 ingest replicas, 1 to 8. */
  replicas: number;
  /** System 1 workers, 0 to 16. */
  workers: number;
  /** Masters of a private Redis Cluster for System 1 (3 to 16); null: one Redis. */
  redisCluster: number | null;
  /** System 2 shards behind nginx's consistent hash, with a merger, 1 to 8; 0 = one System 2 process. */
  s2Shards: number;
  /** Redirect plain-http page requests to https. */
  redirect: boolean;
  /** Run `pnpm build` even when dist exists. */
  build: boolean;
  /** Echo the services' logs. */
  echo: boolean;
}

export function stackOptions(argv: string[]): StackOptions {
  const { values } = parseArgs({
    args: scriptArgs(argv),
    options: {
      'http-port': { type: 'string', default: '8080' },
      'https-port': { type: 'string', default: '8443' },
      replicas: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      'redis-cluster': { type: 'string' },
      's2-shards': { type: 'string', default: '0' },
      redirect: { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (
    name: 'http-port' | 'https-port' | 'replicas' | 'workers' | 'redis-cluster' | 's2-shards',
    min: number,
    max: number,
  ) => integerFlag(`--${name}`, values[name], min, max);
  return {
    help: values.help,
    httpPort: int('http-port', 1, 65535),
    httpsPort: int('https-port', 1, 65535),
    replicas: int('replicas', 1, 8),
    workers: int('workers', 0, 16),
    redisCluster: values['redis-cluster'] === undefined ? null : int('redis-cluster', 3, 16),
    s2Shards: int('s2-shards', 0, 8),
    redirect: values.redirect,
    build: values.build,
    echo: !values.quiet,
  };
}

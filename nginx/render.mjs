#!/usr/bin/env node
// Renders nginx/*.conf.template into a runnable nginx.conf, with the same rule as the nginx image's
// envsubst step (only the template's own FRONT_/DASH_ names are replaced), for native runs and tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The two templates and the variable prefix each one owns.
 * @type {Record<'front' | 'dashboard', { file: string, prefix: string }>}
 */
export const TEMPLATES = {
  front: { file: join(here, 'front.conf.template'), prefix: 'FRONT_' },
  dashboard: { file: join(here, 'dashboard.conf.template'), prefix: 'DASH_' },
};

/**
 * Defaults for a native run. Compose sets every one of these itself (docker-compose.yml, nginx
 * service); nginx/verify-compose.mjs checks that none is missing there.
 */
export const FRONT_DEFAULTS = {
  /** nginx workers; "auto" is one per core. */
  FRONT_WORKER_PROCESSES: 'auto',
  /** Connections per worker: each proxied request holds two (client and upstream). */
  FRONT_WORKER_CONNECTIONS: '4096',
  /** Where the pid file goes. */
  FRONT_PID: 'nginx.pid',
  /** "off", or a file/stdout path. */
  FRONT_ACCESS_LOG: 'off',
  /** Base directory of nginx's temp paths; nginx creates the subfolders. */
  FRONT_TEMP_DIR: 'tmp',
  /** Plain http listener: port or address:port. */
  FRONT_HTTP_LISTEN: '8080',
  /** TLS listener (HTTP/2 and HTTP/1.1 by ALPN). */
  FRONT_HTTPS_LISTEN: '8443',
  /** The https port browsers see, for the http→https redirect of pages. */
  FRONT_PUBLIC_HTTPS_PORT: '8443',
  /** "on": plain-http page requests (/) are redirected to https; APIs under /s1/ and /s2/ never are. */
  FRONT_HTTPS_REDIRECT: 'off',
  /** PEM certificate and key (nginx/gen-dev-cert.sh makes a development pair). */
  FRONT_TLS_CERT: join(here, 'certs', 'dev.crt'),
  FRONT_TLS_KEY: join(here, 'certs', 'dev.key'),
  /** Ingest requests per second per client IP, and the burst allowed on top without delay. */
  FRONT_INGEST_RATE: '20000r/s',
  FRONT_INGEST_BURST: '20000',
  /** Concurrent ingest connections (HTTP/2: streams) per client IP. */
  FRONT_INGEST_CONN: '4096',
  /** upstream "server ...;" lines; build them with upstreamServers(). */
  FRONT_S1_SERVERS: upstreamServers(['127.0.0.1:3001']),
  FRONT_S2_SERVERS: upstreamServers(['127.0.0.1:3003']),
  /** System 2's ingest sockets (hashed by producer): the one process, or each shard. */
  FRONT_S2_INGEST_SERVERS: upstreamServers(['127.0.0.1:3003']),
  FRONT_DASHBOARD_SERVERS: upstreamServers(['127.0.0.1:5180']),
};

export const DASH_DEFAULTS = {
  DASH_PID: 'dashboard-nginx.pid',
  DASH_TEMP_DIR: 'dashboard-tmp',
  /** Debian and the nginx image both ship it here. */
  DASH_MIME_TYPES: '/etc/nginx/mime.types',
  DASH_LISTEN: '127.0.0.1:5180',
  DASH_ROOT: join(here, '..', 'apps', 'dashboard', 'dist'),
};

/**
 * "server a max_fails=…;" lines for an upstream block, one per address (host:port).
 * @param {string[]} addresses
 */
export function upstreamServers(addresses) {
  if (addresses.length === 0) throw new Error('an upstream needs at least one address');
  return addresses.map((address) => `server ${address} max_fails=3 fail_timeout=5s;`).join(' ');
}

/**
 * The FRONT_/DASH_ names a template uses, in order of first use.
 * @param {string} text
 * @param {string} prefix
 */
export function templateNames(text, prefix) {
  /** @type {Set<string>} */
  const names = new Set();
  for (const match of text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)) {
    if (match[1]?.startsWith(prefix) && match[1].length > prefix.length) names.add(match[1]);
  }
  return [...names];
}

/**
 * envsubst with a list of names: `${NAME}` and `$NAME` are replaced for the given names only; a name
 * of the template's prefix without a value is an error (nginx would fail on it later, less clearly).
 * @param {string} text
 * @param {Record<string, string | undefined>} values
 * @param {string} prefix
 */
export function substitute(text, values, prefix) {
  const missing = templateNames(text, prefix).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`no value for ${missing.join(', ')}`);
  return text.replace(
    /\$\{([A-Z][A-Z0-9_]*)\}|\$([A-Z][A-Z0-9_]*)/g,
    (whole, /** @type {string | undefined} */ braced, /** @type {string | undefined} */ bare) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      return value === undefined ? whole : String(value);
    },
  );
}

/**
 * Renders one template with the native defaults overridden by `values`.
 * @param {'front' | 'dashboard'} kind
 * @param {Record<string, string>} [values]
 */
export function render(kind, values = {}) {
  const template = TEMPLATES[kind];
  if (!template) throw new Error(`unknown template "${kind}" (front or dashboard)`);
  const defaults = kind === 'front' ? FRONT_DEFAULTS : DASH_DEFAULTS;
  const text = readFileSync(template.file, 'utf8');
  return substitute(text, { ...defaults, ...values }, template.prefix);
}

const HELP = `Usage: node nginx/render.mjs <front|dashboard> [--set NAME=value ...] [--env] [--out file]

Renders nginx/<kind>.conf.template to stdout or --out.
  --set NAME=value  override one variable (repeatable), e.g. --set FRONT_HTTP_LISTEN=9080
  --env             also take FRONT_*/DASH_* values from the environment (as the image does)
  --list            print the template's variables with their native defaults
`;

/** @param {string[]} argv */
function main(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      set: { type: 'string', multiple: true, default: [] },
      env: { type: 'boolean', default: false },
      out: { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const kind = /** @type {'front' | 'dashboard' | undefined} */ (positionals[0]);
  if (values.help || !kind) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  if (!TEMPLATES[kind]) throw new Error(`unknown template "${kind}" (front or dashboard)`);
  const { prefix } = TEMPLATES[kind];
  if (values.list) {
    const defaults = kind === 'front' ? FRONT_DEFAULTS : DASH_DEFAULTS;
    for (const [name, value] of Object.entries(defaults)) process.stdout.write(`${name}=${value}\n`);
    return 0;
  }
  /** @type {Record<string, string>} */
  const overrides = {};
  if (values.env) {
    for (const [name, value] of Object.entries(process.env)) {
      if (name.startsWith(prefix) && value !== undefined) overrides[name] = value;
    }
  }
  for (const pair of values.set) {
    const at = pair.indexOf('=');
    if (at <= 0 || !pair.startsWith(prefix))
      throw new Error(`--set wants ${prefix}NAME=value, got "${pair}"`);
    overrides[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const text = render(kind, overrides);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`render: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 2;
  }
}

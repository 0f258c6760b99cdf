// `pnpm lab`: the process. Starts every part (lab-stack.ts), the control plane on 127.0.0.1 (app.ts),
// prints the lab's address with its token, and stops everything on Ctrl-C, on SIGTERM, when its
// parent goes away, or (with --scenario) once the scenario has played and its summary is written.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import labApp from './app.js';
import { labFastifyOptions } from './fastify-options.js';
import { Lab } from './lab.js';
import { HELP, type LabOptions, labOptions, UsageError } from './options.js';
import { DASHBOARD_DIST, REPO_ROOT } from './paths.js';
import { findScenario } from './scenario/scenario-file.js';
import { makeLabDir, sweepStaleLabDirs } from './stack/lab-dir.js';

let options: LabOptions;
try {
  options = labOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`pnpm lab: ${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const say = (text: string) => console.log(`[lab] ${text}`);
const scenario = options.scenario === null ? null : findScenario(options.scenario);
if (options.scenario !== null && scenario === null) {
  console.error(
    `pnpm lab: --scenario ${options.scenario}: no such file, and no shipped scenario of that name`,
  );
  process.exit(2);
}

sweepStaleLabDirs();
const scratch = makeLabDir();
let lab: Lab | undefined;
let app: FastifyInstance | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping everything the lab started…');
    try {
      await app?.close();
      await lab?.stop();
    } catch (error) {
      console.error(`[lab] ${(error as Error).message}`);
      code ||= 1;
    }
    scratch.remove();
    say('stopped');
  }
  process.exit(code);
}
// a second Ctrl-C quits at once: the children still go, by the kernel's parent-death signal
process.on('SIGINT', () => (stopping ? process.exit(130) : void shutdown(0)));
process.on('SIGTERM', () => void shutdown(0));
// started from a shell or pnpm that is gone (killed, closed terminal): nobody is left to watch
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void shutdown(1);
}, 1000).unref();

function buildDashboard(): void {
  say('building the dashboard (vite build)…');
  const result = spawnSync('pnpm', ['--filter', '@ingestlab/dashboard', 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`the dashboard build failed (exit ${result.status ?? result.signal})`);
}

async function main(): Promise<void> {
  if (options.build && scenario === null) buildDashboard();
  const token = randomBytes(24).toString('base64url');
  lab = await Lab.create(options, scratch.dir);
  lab.log.onLine = say;
  app = Fastify(labFastifyOptions(options.verbose ? 'info' : 'warn'));
  await app.register(labApp, { lab, token, dashboardRoot: scenario === null ? DASHBOARD_DIST : null });
  try {
    await app.listen({ host: '127.0.0.1', port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port} is taken (an earlier lab?): choose another with --port N, or --port 0 for any free one`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const base = `http://127.0.0.1:${port}`;
  const { ports } = lab.stack;
  say(
    `starting Redis (port ${ports.redis}), System 1 (${ports.http}, h2c ${ports.h2c}, TLS ${ports.https}, ${options.workers} worker${options.workers > 1 ? 's' : ''}), System 2 (${ports.ws}) and two load hosts…`,
  );
  await lab.start();
  if (scenario !== null) {
    await playHeadless(base, token, scenario);
    return;
  }
  const load = options.initialLoad;
  console.log(`
  ┌────────────────────────────────────────────────────────────────────────────┐
    The lab:    ${base}/?token=${token}
    System 1:   ${lab.stack.s1Url}   System 2: ${lab.stack.s2Url}
    Load:       ${load ? `${load.hosts} hosts × ${load.rate} into each system, a connection per host` : 'none yet: start it from the page'}
    Lab pid:    ${process.pid}. Ctrl-C stops everything the lab started.
  └────────────────────────────────────────────────────────────────────────────┘
`);
  setInterval(() => report(), 15_000).unref();
}

/** A line every 15 s, so the terminal shows the scoreboard the page shows. */
function report(): void {
  if (!lab || stopping) return;
  const { s1, s2 } = lab.state().scoreboard;
  const line = (name: string, score: typeof s1) =>
    `${name}: acked ${score.producers.acknowledged.toLocaleString('en-US')}, aggregated ${score.system.aggregated.toLocaleString('en-US')}, in flight ${score.inFlight.toLocaleString('en-US')}, lost ${score.lost === null ? '—' : `${score.drained ? '' : '≈'}${score.lost.toLocaleString('en-US')}`}`;
  say(`${line('System 1', s1)} · ${line('System 2', s2)}`);
}

/** Plays the scenario through the lab's own API, like the page would, then writes its summary. */
async function playHeadless(
  base: string,
  token: string,
  found: { yaml: string; source: string },
): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const started = await fetch(`${base}/api/lab/actions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ type: 'scenario', yaml: found.yaml }),
  });
  if (started.status !== 202) throw new Error(`the lab refused the scenario: ${await started.text()}`);
  let lastStep = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const state = (await (await fetch(`${base}/api/lab/state`, { headers })).json()) as ReturnType<
      Lab['state']
    >;
    const status = state.scenario;
    if (!status) continue;
    if (status.step !== lastStep) {
      lastStep = status.step;
      say(`step ${status.step}/${status.steps}: ${status.stepTitle}`);
    }
    if (status.state !== 'playing') {
      if (status.state === 'failed') console.error(`[lab] the scenario failed: ${status.error}`);
      break;
    }
  }
  const played = await (await fetch(`${base}/api/lab/scenario/summary`, { headers })).text();
  // the summary says how to play it again: the command this run was
  const [title, ...rest] = played.split('\n');
  const summary = [title, '', `\`pnpm lab -- --scenario ${options.scenario}\``, ...rest].join('\n');
  const name = lab?.player.status?.name ?? 'scenario';
  const out = resolve(
    options.out ??
      join(REPO_ROOT, 'lab-results', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.md`),
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, summary);
  console.log(`\n${summary}`);
  say(`summary written to ${out}`);
  await shutdown(lab?.player.status?.state === 'done' ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(`[lab] ${error.message}`);
  void shutdown(1);
});

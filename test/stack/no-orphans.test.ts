// Ctrl-C in a real terminal stops `pnpm stack` and `pnpm demo` completely: after the keystroke and
// their graceful shutdown, no process either of them started is still running (nginx workers,
// Redis, the systems, producers, tsx's esbuild included). Once, Ctrl-C on `pnpm stack` left an nginx
// worker behind, its master gone: a master killed on its own leaves its workers (devkit now signals
// a detached child's whole process group, and a member starting while the group stops is killed).
import { join } from 'node:path';
import { freePort, waitUntil } from '@ingestlab/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalRun } from './terminal.js';

const repo = join(import.meta.dirname, '..', '..');
const runs: TerminalRun[] = [];
afterEach(() => {
  for (const run of runs.splice(0)) run.killLeftovers();
});

/** Starts `command` in a terminal, waits for `ready`, types Ctrl-C, and checks nothing is left. */
async function ctrlCLeavesNothing(
  command: string,
  ready: string,
  env: NodeJS.ProcessEnv,
): Promise<TerminalRun> {
  const run = new TerminalRun(command, { cwd: repo, env });
  runs.push(run);
  await run.waitFor(ready, 120_000);
  const started = run.marked();
  // The parts are running: the check below cannot pass by looking too early or at nothing.
  expect(started.length).toBeGreaterThanOrEqual(5);
  run.ctrlC();
  const code = await Promise.race([
    run.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000)),
  ]);
  expect(code, run.output().slice(-3000)).toBe(0);
  // Graceful stops take a moment after the command returns (a child's own exit): wait, then insist.
  let left = run.marked();
  await waitUntil(
    () => {
      left = run.marked();
      return left.length === 0;
    },
    15_000,
    () =>
      `every process started by "${command}" to end; still running:\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`,
  ).catch(() => undefined);
  expect(
    left,
    `still running after Ctrl-C; started were:\n${started.map((p) => p.command).join('\n')}`,
  ).toEqual([]);
  return run;
}

describe('Ctrl-C in a terminal', () => {
  it('stops pnpm stack and everything it started, nginx workers included', async () => {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const run = await ctrlCLeavesNothing(
      `pnpm stack -- --http-port ${httpPort} --https-port ${httpsPort} --quiet`,
      'Ctrl-C stops everything.',
      {},
    );
    expect(run.output()).toContain('stack: SIGINT; stopping everything');
  }, 180_000);

  it('stops pnpm demo and everything it started, its producers summarised', async () => {
    const port = () => freePort().then(String);
    const env = {
      HTTP_PORT: await port(),
      H2C_PORT: await port(),
      HTTPS_PORT: await port(),
      WS_PORT: await port(),
      DASHBOARD_PORT: await port(),
      // Nothing answers there, so the demo starts (and must stop) its own Redis.
      REDIS_URL: `redis://127.0.0.1:${await port()}`,
    };
    const run = await ctrlCLeavesNothing(
      'pnpm demo -- --hosts 100',
      'Ctrl-C stops everything the demo started.',
      env,
    );
    expect(run.output()).toContain('[demo] stopped');
  }, 180_000);
});

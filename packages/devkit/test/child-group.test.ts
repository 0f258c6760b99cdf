// ChildGroup with real children: stopped last-first with their own signal and grace, clean-ups in
// between, failures collected, "a part died" reported, and no member outliving a crashed parent.
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildGroup, type ManagedProcess, startProcess, waitUntil } from '../src/index.js';
import { nodeEval, pidAlive, processGroup, ready, sleeper } from './support.js';

const groups: ChildGroup[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const group of groups.splice(0)) await group.stop().catch(() => {});
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function newGroup(options: ConstructorParameters<typeof ChildGroup>[0] = {}): ChildGroup {
  const group = new ChildGroup(options);
  groups.push(group);
  return group;
}

/** A child that appends its name to `log` when asked to stop (SIGTERM or SIGINT), then exits. */
function logsItsStop(log: string, name: string): [string, string[]] {
  return nodeEval(`
    const stop = (signal) => { require('node:fs').appendFileSync(${JSON.stringify(log)}, '${name} ' + signal + '\\n'); process.exit(0); };
    process.on('SIGTERM', stop); process.on('SIGINT', stop);
    setInterval(() => {}, 1000);
    console.log('ready');
  `);
}

describe('ChildGroup', () => {
  it('stops members last-started first, each with its signal, and runs clean-ups in that order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devkit-group-'));
    dirs.push(dir);
    const log = join(dir, 'log');
    const group = newGroup();
    group.onStop(() => appendFileSync(log, 'clean-up\n'));
    const redis = group.start('redis', ...logsItsStop(log, 'redis'));
    const server = group.start('server', ...logsItsStop(log, 'server'));
    const producer = group.start('producer', ...logsItsStop(log, 'producer'), { stopSignal: 'SIGINT' });
    await Promise.all([redis, server, producer].map(ready));
    await group.stop();
    expect(readFileSync(log, 'utf8')).toBe('producer SIGINT\nserver SIGTERM\nredis SIGTERM\nclean-up\n');
    expect(group.children).toHaveLength(0);
  });

  it('kills a member that ignores its signal after the grace period', async () => {
    const group = newGroup({ graceMs: 300 });
    const stubborn = group.start('stubborn', ...sleeper({ stubborn: true }));
    await ready(stubborn);
    await group.stop();
    expect(stubborn.child.signalCode).toBe('SIGKILL');
  });

  it('uses a member stop function in place of the signal', async () => {
    const group = newGroup();
    const child = startProcess('custom', ...sleeper());
    const calls: string[] = [];
    group.add(child, {
      stop: async () => {
        calls.push('custom');
        await child.stop(5000, 'SIGINT');
      },
    });
    await ready(child);
    await group.stop();
    expect(calls).toEqual(['custom']);
    expect(child.output()).toContain('got SIGINT');
  });

  it('runs every step even when one fails, then reports the failures together', async () => {
    const group = newGroup();
    const ran: string[] = [];
    group.onStop(() => ran.push('first'));
    group.onStop(() => {
      throw new Error('disk gone');
    }, 'temp dir');
    const child = group.start('worker', ...sleeper());
    await ready(child);
    const stopped = group.stop();
    await expect(stopped).rejects.toThrow('stopping temp dir: disk gone');
    expect(ran).toEqual(['first']);
    expect(child.alive()).toBe(false);
  });

  it('reports a member that dies on its own, but not the members it stops', async () => {
    const died: { child: ManagedProcess; code: number | null }[] = [];
    const group = newGroup({ onExit: (child, code) => died.push({ child, code }) });
    const steady = group.start('steady', ...sleeper());
    const doomed = group.start(
      'doomed',
      ...nodeEval(`console.log('bad config'); setTimeout(() => process.exit(4), 300)`),
    );
    await ready(steady);
    expect(group.died()).toBeNull();
    const first = await group.firstExit();
    expect(first.child).toBe(doomed);
    await waitUntil(
      () => died.length > 0,
      10_000,
      () => 'onExit',
    );
    expect(died).toEqual([{ child: doomed, code: 4 }]);
    expect(group.died()).toContain('doomed exited:\nbad config');
    await group.stop();
    expect(died).toHaveLength(1);
  });

  it('starts members in their own process group when detached', async () => {
    const group = newGroup({ detached: true });
    const child = group.start('detached', ...sleeper());
    await ready(child);
    expect(processGroup(child.child.pid!)).toBe(child.child.pid);
  });

  it("takes a detached member's own children with it, even when the member has to be killed", async () => {
    // Like nginx: a master that starts a worker. Both ignore SIGTERM here, so the grace runs out and
    // SIGKILL is needed; sent to the master alone it would leave the worker running, its master gone.
    const group = newGroup({ detached: true, graceMs: 300 });
    const master = group.start(
      'master',
      ...nodeEval(`
        process.on('SIGTERM', () => {});
        const worker = require('node:child_process').spawn(process.execPath,
          ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
        console.log('worker ' + worker.pid);
        setInterval(() => {}, 1000);
        console.log('ready');
      `),
    );
    await ready(master);
    const worker = Number(/worker (\d+)/.exec(master.output())?.[1]);
    expect(pidAlive(worker)).toBe(true);
    await group.stop();
    await waitUntil(
      () => !pidAlive(worker),
      5000,
      () => `worker ${worker} to be gone with its master`,
    );
  });

  it('kills a member that starts after stop() began, and says so', async () => {
    const group = newGroup({ detached: true });
    const first = group.start('first', ...sleeper());
    await ready(first);
    const stopping = group.stop();
    // A start that was under way when Ctrl-C came: it must not outlive the group.
    let late: ManagedProcess | undefined;
    expect(() => {
      late = startProcess('late', ...sleeper(), { detached: true });
      group.add(late);
    }).toThrow(/started while the group was stopping/);
    await stopping;
    expect(await late?.exited).toBeNull();
    expect(late?.child.signalCode).toBe('SIGKILL');
  });

  it('kills its members when the process that owns it dies without stopping it', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'crash-with-children.ts');
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture],
        { timeout: 60_000 },
        (_error, stdout, stderr) => resolve(stdout + stderr),
      );
    });
    expect(output).toContain('crash on purpose');
    const pid = Number(/member (\d+)/.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await waitUntil(
      () => !pidAlive(pid),
      10_000,
      () => `member ${pid} to be gone`,
    );
  });
});

// The guards with real processes: a child started with dieWithParent dies when its parent is killed
// -9 (the parent here is a node process of the test's own, started from source), and openFiles
// raises the child's limit; the pid stays the command's either way.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  guardedCommand,
  guardsAvailable,
  type ManagedProcess,
  startProcess,
  waitUntil,
} from '../src/index.js';
import { ready, sleeper } from './support.js';

const started: ManagedProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => child.kill()));
});

/** Running and not a zombie: a killed child stays a zombie until someone reaps it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

const available = guardsAvailable();

describe.skipIf(!available.dieWithParent)('dieWithParent', () => {
  it('kills the child when its parent is killed -9', async () => {
    const processes = fileURLToPath(new URL('../src/processes.ts', import.meta.url));
    // a parent that starts a guarded sleeper and an unguarded one, prints both pids, then waits
    const parent = startProcess(
      'parent',
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
        const { startProcess } = await import(${JSON.stringify(processes)});
        const [cmd, args] = ${JSON.stringify(sleeper())};
        const guarded = startProcess('guarded', cmd, args, { dieWithParent: true });
        const loose = startProcess('loose', cmd, args);
        console.log('pids ' + guarded.child.pid + ' ' + loose.child.pid);
        setInterval(() => {}, 1000);
        `,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    started.push(parent);
    await waitUntil(
      () => /pids \d+ \d+/.test(parent.output()),
      20_000,
      () => `the parent's pids line (output: ${parent.output()})`,
    );
    const [guarded, loose] = (/pids (\d+) (\d+)/.exec(parent.output()) ?? []).slice(1).map(Number) as [
      number,
      number,
    ];
    try {
      expect(running(guarded)).toBe(true);
      await parent.kill();
      await waitUntil(
        () => !running(guarded),
        5000,
        () => `guarded child ${guarded} to die`,
      );
      // the control: without the guard the child outlives its parent
      expect(running(loose)).toBe(true);
    } finally {
      for (const pid of [guarded, loose]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  it('keeps the pid the command’s own, so signals reach it', async () => {
    // 4096, or less where this machine's hard limit is lower (a raise past the hard limit fails).
    const hard = /Max open files\s+\S+\s+(\d+|unlimited)/.exec(
      readFileSync('/proc/self/limits', 'utf8'),
    )?.[1];
    const openFiles = Math.min(4096, hard === undefined || hard === 'unlimited' ? 4096 : Number(hard));
    const child = startProcess('guarded', ...sleeper(), { dieWithParent: true, openFiles });
    started.push(child);
    await ready(child);
    const cmdline = readFileSync(`/proc/${child.child.pid}/cmdline`, 'utf8');
    expect(cmdline.split('\0')[0]).toBe(process.execPath);
    expect(readFileSync(`/proc/${child.child.pid}/limits`, 'utf8')).toMatch(
      new RegExp(`Max open files\\s+${openFiles}\\s+${openFiles}`),
    );
    await child.stop(2000);
    expect(child.output()).toContain('got SIGTERM');
  });
});

describe('guardedCommand', () => {
  it('leaves the command alone when no guard is asked for', () => {
    expect(guardedCommand('node', ['-e', '1'], {})).toEqual(['node', ['-e', '1']]);
  });

  it.skipIf(!available.openFiles)('caps openFiles at this process’s hard limit', () => {
    const [, args] = guardedCommand('node', [], { openFiles: Number.MAX_SAFE_INTEGER });
    expect(args[0]).toMatch(/^--nofile=\d+:\d+$/);
    expect(args[0]).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });
});

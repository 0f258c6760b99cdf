// startProcess with real children: output kept and echoed, stopped by a signal or SIGKILL after the
// grace period, a spawn failure reported, and detached children in their own process group.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ManagedProcess, startProcess } from '../src/index.js';
import { nodeEval, processGroup, ready, sleeper } from './support.js';

const started: ManagedProcess[] = [];
const start = (...args: Parameters<typeof startProcess>) => {
  const child = startProcess(...args);
  started.push(child);
  return child;
};
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(started.splice(0).map((child) => child.kill()));
});

describe('startProcess', () => {
  it('keeps the output and the exit code of a process that ends by itself', async () => {
    const child = start('printer', ...nodeEval(`console.log('one'); console.error('two'); process.exit(3)`));
    expect(await child.exited).toBe(3);
    expect(child.alive()).toBe(false);
    expect(child.output()).toContain('one');
    expect(child.output()).toContain('two');
  });

  it('echoes output line by line with the name as prefix when asked', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const child = start('echoer', ...nodeEval(`console.log('a'); console.log('b')`), { echo: true });
    await child.exited;
    expect(written.join('')).toContain('[echoer] a\n[echoer] b\n');
  });

  it('stops with SIGTERM by default, or the signal given', async () => {
    const term = start('term', ...sleeper());
    const int = start('int', ...sleeper());
    await Promise.all([ready(term), ready(int)]);
    expect(term.alive()).toBe(true);
    expect(await term.stop()).toBe(0);
    expect(term.output()).toContain('got SIGTERM');
    expect(await int.stop(5000, 'SIGINT')).toBe(0);
    expect(int.output()).toContain('got SIGINT');
    expect(int.alive()).toBe(false);
  });

  it('kills with SIGKILL when the grace period passes', async () => {
    const child = start('stubborn', ...sleeper({ stubborn: true }));
    await ready(child);
    expect(await child.stop(300)).toBeNull();
    expect(child.output()).toContain('got SIGTERM');
    expect(child.child.signalCode).toBe('SIGKILL');
  });

  it('reports a command that cannot start', async () => {
    const child = start('missing', '/nonexistent/ingestlab-no-such-binary', []);
    expect(await child.exited).toBeNull();
    expect(child.alive()).toBe(false);
    expect(child.output()).toContain('ENOENT');
    expect(await child.stop()).toBeNull();
  });

  it('starts a detached child in its own process group', async () => {
    const attached = start('attached', ...sleeper());
    const detached = start('detached', ...sleeper(), { detached: true });
    await Promise.all([ready(attached), ready(detached)]);
    const ours = processGroup(process.pid);
    expect(processGroup(attached.child.pid!)).toBe(ours);
    expect(processGroup(detached.child.pid!)).toBe(detached.child.pid);
  });
});

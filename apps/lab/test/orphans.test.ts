// Nothing the lab starts outlives it: after Ctrl-C (SIGINT to the terminal's process group, with an
// incident, a burst that ends by itself, and faults that replaced processes before), and after the
// lab itself is killed -9. The real `pnpm lab`, the real systems, Redis and load hosts; the process
// tree read from /proc.
import { waitUntil } from '@ingestlab/devkit';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepStaleLabDirs } from '../src/stack/lab-dir.js';
import { descendants, expectAllGone, killAll, type RunningLab, runLab } from './support/run-lab.js';

const ARGS = ['--free-ports', '--port', '0', '--no-build', '--hosts', '20'];
let lab: RunningLab | undefined;
let seen = new Map<number, string>();

afterEach(async () => {
  killAll(seen.keys());
  if (lab?.process.alive()) process.kill(-(lab.process.child.pid as number), 'SIGKILL');
  lab = undefined;
  seen = new Map();
  // a lab killed -9 cannot remove its scratch dir; the next one would, this test does it now
  sweepStaleLabDirs();
});

/** Adds the lab's current process tree to `seen`. */
function collect(root: number): void {
  for (const [pid, cmd] of descendants(root)) seen.set(pid, cmd);
}

const ROLES = ['redis', 's1-server', 's1-worker', 's2', 'load'];

describe('no orphans', () => {
  it('after faults and Ctrl-C, every process the lab ever started is gone', async () => {
    lab = await runLab(ARGS);
    const root = lab.process.child.pid as number;
    const state = await lab.state();
    expect(state.processes.map((p) => p.role).sort()).toEqual([...ROLES, 'load'].sort());
    collect(root);
    // an incident and a burst change the load host's run; the burst ends by itself
    const running0 = lab;
    await waitUntil(
      async () => (await running0.state()).load.s1 !== null,
      30_000,
      () => 'the initial load',
    );
    expect((await lab.act({ type: 'incident', kind: 'cpu-spike', durationS: 5 })).status).toBe(202);
    expect((await lab.act({ type: 'load', system: 'both', hosts: 40, rate: '2/s', forS: 2 })).status).toBe(
      202,
    );
    await waitUntil(
      async () => {
        const now = await running0.state();
        return now.markers.some((m) => m.label === 'CPU incident') && now.load.s1?.hosts === 40;
      },
      30_000,
      () => 'the incident and the burst',
      { intervalMs: 250 },
    );
    await waitUntil(
      async () => {
        const now = await running0.state();
        return (
          now.load.s1?.hosts === 20 &&
          now.load.s2?.hosts === 20 &&
          now.actions.some((a) => a.by === 'lab' && a.status === 'done' && a.label.startsWith('20 hosts'))
        );
      },
      30_000,
      () => 'the load before the burst to come back',
      { intervalMs: 250 },
    );
    collect(root);
    // replace some: a worker killed and started again, System 2 killed and restarted
    expect((await lab.act({ type: 'fault', fault: 'kill-worker', restartAfterS: 0 })).status).toBe(202);
    expect((await lab.act({ type: 'fault', fault: 'kill-s2', restartAfterS: 0 })).status).toBe(202);
    const running = lab;
    await waitUntil(
      async () => {
        const now = await running.state();
        return (
          now.processes.every((p) => p.state === 'running') &&
          now.processes.filter((p) => p.restarts > 0).length === 2
        );
      },
      90_000,
      () => 'the killed worker and System 2 to be back',
      { intervalMs: 500 },
    );
    collect(root);
    const pids = (await lab.state()).processes.map((p) => p.pid);
    for (const pid of pids) expect(seen.has(pid as number), `pid ${pid} is below the lab`).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(8);

    // Ctrl-C in a terminal: SIGINT to the whole foreground process group
    process.kill(-root, 'SIGINT');
    const code = await lab.process.exited;
    expect(lab.process.output()).toContain('[lab] stopped');
    expect(code).toBe(0);
    await expectAllGone(seen, 10_000);
  });

  it('after the lab is killed -9, every process it started is gone', async () => {
    lab = await runLab(ARGS);
    const root = lab.process.child.pid as number;
    const { lab: info } = await lab.state();
    collect(root);
    expect([...seen.keys()]).toContain(info.pid);
    const children = new Map([...seen].filter(([pid]) => pid !== info.pid));
    expect(children.size).toBeGreaterThanOrEqual(6);
    process.kill(info.pid, 'SIGKILL');
    // the kernel's parent-death signal: no clean-up code runs, and yet nothing stays
    await expectAllGone(children, 10_000);
    await expectAllGone(seen, 10_000);
  });
});

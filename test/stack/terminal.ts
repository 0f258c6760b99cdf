// A command run the way a person runs it: in a real pseudo-terminal (util-linux `script`), so a
// Ctrl-C typed there reaches the terminal's foreground process group exactly as it would from a
// keyboard. Every process the command starts carries a marker in its environment, so the ones left
// running afterwards can be found even after they were re-parented.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { waitUntil } from '@ingestlab/devkit';

/** The variable every descendant inherits; its value is unique per run. */
export const MARKER_NAME = 'INGESTLAB_TERMINAL_RUN';

export interface LeftProcess {
  pid: number;
  command: string;
}

export class TerminalRun {
  readonly marker = randomUUID();
  readonly child: ChildProcess;
  #output = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    // -q quiet, -f flush at once, -e exit with the command's code, -c the command; no typescript file.
    // script runs the command with $SHELL -c, and a non-interactive sh (dash, SHELL unset) waiting
    // on it dies of the Ctrl-C itself (exit 130) where a person's interactive shell would not:
    // `exec` makes the command the terminal's process, whichever shell CI has.
    this.child = spawn('script', ['-qfec', `exec ${command}`, '/dev/null'], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, [MARKER_NAME]: this.marker },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-256 * 1024);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  output(): string {
    return this.#output;
  }

  /** Waits for `text` in the terminal's output, failing early if the command ends. */
  async waitFor(text: string, timeoutMs: number): Promise<void> {
    await waitUntil(
      () => this.#output.includes(text),
      timeoutMs,
      () => `"${text}" in the terminal; it shows:\n${this.#output.slice(-3000)}`,
      {
        intervalMs: 100,
        abort: () => (this.child.exitCode === null ? null : `exited:\n${this.#output.slice(-3000)}`),
      },
    );
  }

  /** Types Ctrl-C: the terminal sends SIGINT to its foreground process group. */
  ctrlC(): void {
    this.child.stdin?.write('\x03');
  }

  /** Processes, other than this test's own, whose environment carries this run's marker. */
  marked(): LeftProcess[] {
    const needle = `${MARKER_NAME}=${this.marker}`;
    const found: LeftProcess[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid || pid === this.child.pid) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie holds nothing
        if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(needle)) continue;
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
        found.push({ pid, command });
      } catch {
        // gone while we looked, or not readable: not ours either way
      }
    }
    return found;
  }

  /** Ends whatever the run left (after a failed assertion), so one failure does not leak into others. */
  killLeftovers(): void {
    for (const left of this.marked()) {
      try {
        process.kill(left.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

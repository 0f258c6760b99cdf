// The demo's child processes: each in its own process group, so the terminal's Ctrl-C reaches only
// the demo, which then stops them in order (producers, systems, Redis) instead of all at once.
import { spawn } from 'node:child_process';

const OUTPUT_LIMIT = 64 * 1024;

/**
 * @typedef {object} DemoChild
 * @property {string} name
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<number | null>} exited
 * @property {() => boolean} alive
 * @property {() => string} output  the last 64 KiB it printed
 * @property {(graceMs?: number, signal?: NodeJS.Signals) => Promise<number | null>} stop
 */

/** @type {Set<DemoChild>} */
const running = new Set();

// Whatever ends the demo (an exception included), no child outlives it.
process.once('exit', () => {
  for (const entry of running) if (entry.alive()) entry.child.kill('SIGKILL');
});

/**
 * Starts `command args`, echoing its output line by line with a `[name]` prefix when `echo`.
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, echo?: boolean }} [options]
 * @returns {DemoChild}
 */
export function startChild(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let buffer = '';
  const keep = (/** @type {Buffer} */ chunk, /** @type {NodeJS.WriteStream} */ stream) => {
    const text = chunk.toString();
    buffer = (buffer + text).slice(-OUTPUT_LIMIT);
    if (options.echo) stream.write(text.replace(/^(?=.)/gm, `[${name}] `));
  };
  child.stdout?.on('data', (chunk) => keep(chunk, process.stdout));
  child.stderr?.on('data', (chunk) => keep(chunk, process.stderr));
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      buffer += `\n${error.message}`;
      resolve(null);
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  /** @type {DemoChild} */
  const entry = {
    name,
    child,
    exited,
    alive,
    output: () => buffer,
    async stop(graceMs = 8000, signal = 'SIGTERM') {
      if (alive()) {
        child.kill(signal);
        const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(entry);
      return child.exitCode;
    },
  };
  running.add(entry);
  exited.then(() => running.delete(entry));
  return entry;
}

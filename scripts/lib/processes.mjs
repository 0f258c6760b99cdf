// Child processes for the native stack and its test: named, output kept (and echoed if asked),
// stopped for sure, all in one group so Ctrl-C or a failed start leaves nothing behind.
import { spawn } from 'node:child_process';

const OUTPUT_LIMIT = 64 * 1024;

/**
 * @typedef {object} Child
 * @property {string} name
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<number | null>} exited resolves with the exit code (null: killed by a signal)
 * @property {() => string} output the last 64 KiB the process printed
 * @property {() => boolean} alive
 * @property {(graceMs?: number, signal?: NodeJS.Signals) => Promise<number | null>} stop signal, then SIGKILL after graceMs
 */

/**
 * Starts `command args` with output captured; `echo` prefixes each line with the name and copies it
 * to this process's stdout/stderr.
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, echo?: boolean }} [options]
 * @returns {Child}
 */
export function startChild(name, command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
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
  return {
    name,
    child,
    exited,
    output: () => buffer,
    alive,
    async stop(graceMs = 5000, signal = 'SIGTERM') {
      if (!alive()) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A set of children stopped together, last started first (front door before apps before Redis). */
export class ChildGroup {
  /** @type {Child[]} */
  children = [];
  /** @type {Array<() => Promise<void> | void>} */
  cleanups = [];

  /** @param {Child} child */
  add(child) {
    this.children.push(child);
    return child;
  }

  /** Runs `fn` when the group stops (after the children are gone), e.g. removing a temp dir. */
  onStop(/** @type {() => Promise<void> | void} */ fn) {
    this.cleanups.push(fn);
  }

  /** The first child that exits, for "a part died" reporting. */
  firstExit() {
    return Promise.race(this.children.map((child) => child.exited.then((code) => ({ child, code }))));
  }

  async stop(graceMs = 5000) {
    for (const child of [...this.children].reverse()) await child.stop(graceMs);
    this.children = [];
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
  }
}

// Guards a child process can start under, applied by exec-ing small system tools in front of the
// command (so the pid stays the command's): the kernel's parent-death signal, and a raised open-files
// limit. With the parent-death signal, a child dies with its parent even when the parent is killed -9.
import { readFileSync } from 'node:fs';
import { findBinary } from './binaries.js';

export interface ProcessGuards {
  /**
   * Have the kernel SIGKILL the child when this process dies, however it dies (prctl
   * PR_SET_PDEATHSIG, through util-linux `setpriv --pdeathsig`). Linux only; where setpriv is
   * missing the child starts unguarded (see guardsAvailable). Default false.
   */
  dieWithParent?: boolean;
  /**
   * Raise the child's open-files limit (soft and hard) to this, through util-linux `prlimit`; without
   * privileges it is capped at this process's hard limit. Default: inherited.
   */
  openFiles?: number;
}

/** Which guards this machine can apply: setpriv and prlimit from util-linux. */
export function guardsAvailable(): { dieWithParent: boolean; openFiles: boolean } {
  return { dieWithParent: setprivPath() !== null, openFiles: prlimitPath() !== null };
}

/** `command args` with the guards put in front as exec wrappers; unchanged when none applies. */
export function guardedCommand(
  command: string,
  args: readonly string[],
  guards: ProcessGuards,
): [string, string[]] {
  let wrapped: [string, string[]] = [command, [...args]];
  const setpriv = guards.dieWithParent ? setprivPath() : null;
  if (setpriv) wrapped = [setpriv, ['--pdeathsig', 'KILL', '--', wrapped[0], ...wrapped[1]]];
  const prlimit = guards.openFiles !== undefined ? prlimitPath() : null;
  if (prlimit && guards.openFiles !== undefined) {
    const limit = Math.min(guards.openFiles, openFilesHardLimit());
    wrapped = [prlimit, [`--nofile=${limit}:${limit}`, '--', wrapped[0], ...wrapped[1]]];
  }
  return wrapped;
}

/** This process's hard open-files limit (Linux /proc), Infinity when unlimited or unknown. */
export function openFilesHardLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const hard = line?.split(/\s{2,}/)[2];
    return hard === undefined || hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

let setpriv: string | null | undefined;
let prlimit: string | null | undefined;
const places = (name: string) => ({ places: [`/usr/bin/${name}`, `/bin/${name}`] });

function setprivPath(): string | null {
  if (process.platform !== 'linux') return null;
  setpriv ??= findBinary('setpriv', places('setpriv'));
  return setpriv;
}

function prlimitPath(): string | null {
  if (process.platform !== 'linux') return null;
  prlimit ??= findBinary('prlimit', places('prlimit'));
  return prlimit;
}

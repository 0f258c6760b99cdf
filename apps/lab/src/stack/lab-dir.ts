// The lab's scratch directory (Redis's data, the dev certificate): one per run under the system temp
// dir, marked with the lab's pid. A lab that was killed -9 cannot clean up after itself, so each
// start removes the directories of labs that are no longer running.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'ingestlab-lab-';
const OWNER = 'owner.pid';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes scratch dirs whose lab is gone; returns how many. */
export function sweepStaleLabDirs(root = tmpdir()): number {
  let removed = 0;
  for (const name of readdirSync(root)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(root, name);
    const marker = join(dir, OWNER);
    const pid = existsSync(marker) ? Number(readFileSync(marker, 'utf8')) : Number.NaN;
    if (Number.isInteger(pid) && pidAlive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** A fresh scratch dir owned by this process, and its removal. */
export function makeLabDir(root = tmpdir()): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(root, PREFIX));
  writeFileSync(join(dir, OWNER), String(process.pid));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

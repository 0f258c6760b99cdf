// The test hook TEST_CRASH_AT: kills this process with SIGKILL at a chosen point of the n-th
// publication of a window holding samples, so tests can crash System 2 exactly between the
// watermark write and the publication, or between the publication and the commit frames. Unset
// (production), it does nothing.
import type { CrashPoint } from '../config.js';

export class CrashHook {
  private publications = 0;

  constructor(private readonly point: CrashPoint | null) {}

  /** Counts a publication that holds samples. */
  counted(hasSamples: boolean): void {
    if (this.point && hasSamples) this.publications += 1;
  }

  /** Dies here if this is the chosen point of the chosen publication. */
  reached(at: CrashPoint['at']): void {
    if (!this.point || this.point.at !== at || this.publications !== this.point.publication) return;
    process.stderr.write(`ws-ingest: TEST_CRASH_AT=${at}:${this.publications}: killing this process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}

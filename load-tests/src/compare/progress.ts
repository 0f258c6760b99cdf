// Terminal progress during a comparison: which target, series and step, repeat, elapsed and an
// estimate of what remains, and the live rate. One rewritten line on a TTY, plain lines otherwise.
import type { LoadProgress } from '@ingestlab/producers';

export interface ProgressState {
  target: string;
  series: string;
  step: number;
  steps: number;
  repeat: number;
  repeats: number;
  /** The step, e.g. `10k/s` or `5.0k hosts`. */
  label: string;
  durationS: number;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function formatRate(perSec: number): string {
  if (perSec >= 1_000_000) return `${(perSec / 1_000_000).toFixed(2)}M`;
  if (perSec >= 10_000) return `${Math.round(perSec / 1000)}k`;
  if (perSec >= 1000) return `${(perSec / 1000).toFixed(1)}k`;
  return String(Math.round(perSec));
}

export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  private readonly began = Date.now();
  private lastPlain = 0;
  private state: ProgressState | null = null;

  /** remainingPoints: points still to run after the current one; pointS: typical seconds per point. */
  constructor(
    private remainingPoints: number,
    private readonly pointS: number,
  ) {}

  setRemaining(points: number): void {
    this.remainingPoints = points;
  }

  begin(state: ProgressState): void {
    this.state = state;
    this.line(`${this.head()} starting`, true);
  }

  update(progress: LoadProgress): void {
    if (!this.state) return;
    const errors = progress.errors ? ` · errors ${progress.errors}` : '';
    const missed = progress.missed ? ` · missed ${progress.missed}` : '';
    const connecting =
      progress.open < progress.connections ? ` · connections ${progress.open}/${progress.connections}` : '';
    this.line(
      `${this.head()} · ${clock(progress.elapsedMs)}/${clock(this.state.durationS * 1000)} · ack ${formatRate(progress.ackRate)}/s of ${formatRate(progress.targetRate)}/s · in flight ${progress.inFlight}${connecting}${errors}${missed}`,
    );
  }

  /** A finished point's one-line result, kept on screen. */
  done(text: string): void {
    this.line(`${this.head()} ${text}`, true, true);
  }

  note(text: string): void {
    if (this.tty) process.stdout.write('\r\x1b[2K');
    process.stdout.write(`${text}\n`);
  }

  private head(): string {
    const s = this.state;
    if (!s) return '';
    const elapsed = Date.now() - this.began;
    const remaining = this.remainingPoints * this.pointS * 1000;
    return `[${clock(elapsed)} elapsed, ~${clock(remaining)} left] ${s.target} ${s.series} ${s.label} (step ${s.step}/${s.steps}, run ${s.repeat}/${s.repeats})`;
  }

  private line(text: string, force = false, keep = false): void {
    if (this.tty) {
      process.stdout.write(
        `\r\x1b[2K${text.slice(0, (process.stdout.columns ?? 160) - 1)}${keep ? '\n' : ''}`,
      );
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPlain < 2000) return;
    this.lastPlain = now;
    process.stdout.write(`${text}\n`);
  }
}

// The publisher's metric families on the ingest process's /metrics: how windows were closed (complete,
// or at their maximum wait), the samples that landed late, and how long after its end each window
// was published. Counted for the windows this replica published.
import { Counter, Histogram, type Registry } from 'prom-client';

export class WindowMetrics {
  private readonly incomplete: Counter;
  private readonly late: Counter;
  private readonly delay: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.incomplete = new Counter({
      name: 'ingest_windows_incomplete_total',
      help: 'Windows this process published at their maximum wait (WINDOW_MAX_WAIT_MS) with admitted batches not yet folded',
      registers,
    });
    this.late = new Counter({
      name: 'ingest_late_samples_total',
      help: 'Samples in windows this process published that were admitted while an earlier window was open and folded after it was published',
      registers,
    });
    this.delay = new Histogram({
      name: 'ingest_window_publish_delay_seconds',
      help: "Time from a window's end to its publication by this process (the watermark's wait for folds)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5],
      registers,
    });
  }

  published(published: { complete: boolean; late: number; delayMs: number }): void {
    if (!published.complete) this.incomplete.inc();
    if (published.late > 0) this.late.inc(published.late);
    this.delay.observe(Math.max(0, published.delayMs) / 1000);
  }
}

// Messages between the comparison and its viewer process (viewer-process.ts), over Node's IPC channel.
import type { HistogramSnapshot } from '@ingestlab/aggregation';

export interface ViewerSpec {
  /** A label for the system: `system1` or `system2`. */
  system: string;
  /** Base HTTP URL serving /live and /live/sse. */
  url: string;
  ws: number;
  sse: number;
}

/** One window frame as the viewers of one system saw it. Delays are arrival minus window end, ms. */
export interface ViewerWindow {
  system: string;
  start: number;
  end: number;
  samples: number;
  /** The system's own lag figures for the window (sample ts to publication). */
  lagP50: number | null;
  lagP99: number | null;
  ingestRate: number;
  /** Viewers that received this window. */
  receivedBy: number;
  viewersWs: number;
  viewersSse: number;
  delayP50: number | null;
  delayP99: number | null;
  delayMax: number | null;
  /** Every viewer's delay for this window, as the aggregation package's histogram (merged over a run). */
  delays: HistogramSnapshot;
}

export interface ViewersStatus {
  connected: Record<string, number>;
  target: Record<string, number>;
  disconnects: number;
  errors: Record<string, number>;
  frames: number;
  badFrames: number;
}

export type ToViewers =
  | { type: 'windows'; id: number; from: number; to: number }
  | { type: 'status'; id: number };

export type FromViewers =
  | { type: 'started' }
  | { type: 'windows'; id: number; windows: ViewerWindow[] }
  | { type: 'status'; id: number; status: ViewersStatus };

// Scheduled incidents the simulator layers over normal behaviour, so a dashboard has something to
// show: CPU spikes on a subset of hosts and network storms. Times are offsets from the fleet start.

export type IncidentKind = 'cpu-spike' | 'network-storm';

export interface Incident {
  kind: IncidentKind;
  /** Offset from the fleet's start, in ms, when the incident begins. */
  atMs: number;
  /** How long it lasts, in ms. */
  durationMs: number;
  /** Fraction of hosts affected, 0–1 (picked deterministically from the seed). */
  hostFraction: number;
  /** Strength: CPU points added for `cpu-spike`, traffic multiplier for `network-storm`. */
  magnitude: number;
}

export interface IncidentSchedule {
  incidents: Incident[];
  /** When set, the schedule repeats with this period (ms); unset means it plays once. */
  repeatMs?: number;
}

/**
 * The demo schedule: something happens about every minute, in a two-minute cycle —
 * a CPU spike on 10 % of hosts at 0:30 for 20 s, a network storm on 25 % of hosts at 1:30 for 15 s.
 */
export const DEMO_SCHEDULE: IncidentSchedule = {
  repeatMs: 120_000,
  incidents: [
    { kind: 'cpu-spike', atMs: 30_000, durationMs: 20_000, hostFraction: 0.1, magnitude: 55 },
    { kind: 'network-storm', atMs: 90_000, durationMs: 15_000, hostFraction: 0.25, magnitude: 12 },
  ],
};

export const NO_INCIDENTS: IncidentSchedule = { incidents: [] };

/** Named schedules the CLI accepts with `--incidents`. */
export const INCIDENT_SCHEDULES: Record<string, IncidentSchedule> = {
  demo: DEMO_SCHEDULE,
  none: NO_INCIDENTS,
};

/**
 * Returns how far into the incident `elapsedMs` is (0–1) with a quick ramp up and down, or 0
 * when it is not active; the ramp keeps charts from showing a square wave.
 */
export function incidentIntensity(incident: Incident, elapsedMs: number, repeatMs?: number): number {
  let t = elapsedMs;
  if (repeatMs !== undefined && repeatMs > 0) t = ((t % repeatMs) + repeatMs) % repeatMs;
  const into = t - incident.atMs;
  if (into < 0 || into >= incident.durationMs) return 0;
  const ramp = Math.min(incident.durationMs / 4, 3000);
  if (ramp <= 0) return 1;
  return Math.min(1, into / ramp, (incident.durationMs - into) / ramp);
}

// Turns the page into the lab's page when it was opened with the lab's token: the panel above the
// systems, a scoreboard in each system's column and the markers on its charts, refreshed every
// second from GET /api/lab/state. Without a token (or where no lab answers) nothing changes.
import type { LabMarker, LabState } from '@ingestlab/metric-schema';
import type { SystemId } from '../config.js';
import { LabApi } from './lab-api.js';
import { LabPanel } from './lab-panel.js';
import { takeLabToken } from './lab-token.js';
import { markerAnnotations } from './markers.js';
import { ScoreboardView } from './scoreboard-view.js';
import './lab.css';

export interface LabSystemHooks {
  id: SystemId;
  /** Where the scoreboard goes in the system's column. */
  slot: HTMLElement;
  /** Draws these annotations on the system's charts (labels on the first ones only). */
  setAnnotations(build: (withLabels: boolean) => Record<string, object>): void;
  /** The marker labels drawn now, for the browser test. */
  annotationLabels(): string[];
}

export interface LabHooks {
  /** The panel is inserted before this element (the systems' grid). */
  before: HTMLElement;
  systems: LabSystemHooks[];
  /** Shows a problem line (a refused token). */
  problem(text: string): void;
}

export interface LabProbe {
  state(): LabState | null;
  /** Marker labels on each system's charts. */
  annotations(): Record<SystemId, string[]>;
  /** Markers for the CSV export. */
  markers(): readonly LabMarker[];
}

const EVERY_MS = 1000;

export function mountLab(hooks: LabHooks): LabProbe | null {
  const token = takeLabToken(location, history, sessionStorage);
  if (!token) return null;
  const api = new LabApi(location.origin, token);
  let state: LabState | null = null;
  let panel: LabPanel | null = null;
  let views: Map<SystemId, ScoreboardView> | null = null;
  let markerCount = -1;

  const mount = () => {
    const holder = document.createElement('div');
    hooks.before.before(holder);
    panel = new LabPanel(holder, api);
    views = new Map(hooks.systems.map((system) => [system.id, new ScoreboardView(system.slot, system.id)]));
  };

  const render = (next: LabState) => {
    state = next;
    if (!panel) mount();
    panel?.render(next);
    for (const system of hooks.systems) views?.get(system.id)?.render(next.scoreboard[system.id]);
    if (next.markers.length !== markerCount) {
      markerCount = next.markers.length;
      for (const system of hooks.systems) {
        const mine = next.markers.filter((marker) => marker.systems.includes(system.id));
        system.setAnnotations((withLabels) => markerAnnotations(mine, withLabels));
      }
    }
  };

  const poll = async () => {
    try {
      const answer = await api.state(AbortSignal.timeout(EVERY_MS * 3));
      if (answer.ok) render(answer.state);
      else if (answer.status === 401) {
        hooks.problem(
          'The lab refused this page’s token: open the address `pnpm lab` printed last (the token changes every run).',
        );
        return;
      } else if (!panel) return; // no lab serves this page: stay a read-only dashboard
    } catch {
      // the lab is restarting or gone: keep trying while the panel is up
      if (!panel) return;
    }
    setTimeout(() => void poll(), EVERY_MS);
  };
  void poll();

  return {
    state: () => state,
    annotations: () =>
      Object.fromEntries(hooks.systems.map((system) => [system.id, system.annotationLabels()])) as Record<
        SystemId,
        string[]
      >,
    markers: () => state?.markers ?? [],
  };
}

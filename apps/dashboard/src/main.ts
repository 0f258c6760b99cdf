// The page: wires config, one live client and feed per system, the panels and the controls.
// Frames only mark a system dirty; drawing happens once per animation frame, and is measured.
import {
  type Encoding,
  encodingOfSubprotocol,
  HISTORY_RANGES,
  type HistoryRange,
  type Window as MetricWindow,
} from '@ingestlab/metric-schema';
import { liveUrl, resolveConfig, type SystemConfig, type SystemId, type Transport } from './config.js';
import { CostMeter, type CostSummary } from './model/cost-meter.js';
import { formatCsv } from './model/csv.js';
import { type DeliverySummary, recordDelivery, summariseDelivery } from './model/delivery.js';
import { Feed } from './model/feed.js';
import { FrameCost, type FrameCostSummary, utf8Length } from './model/frame-cost.js';
import { checkFrame, decodeFrameBytes, decodeFrameText, type ParsedFrame } from './model/parse-frame.js';
import { bucketWindows } from './model/series.js';
import { type LabProbe, mountLab } from './lab/mount-lab.js';
import { fetchHistory, fetchStats } from './net/http.js';
import { LiveClient } from './net/live-client.js';
import { renderControls } from './ui/controls.js';
import { el } from './ui/dom.js';
import { formatClock } from './ui/format.js';
import { SystemPanel } from './ui/system-panel.js';
import './styles.css';

declare global {
  interface Window {
    /** Set by /config.js when a deployment needs other URLs or thresholds (see config.ts). */
    INGESTLAB_CONFIG?: unknown;
    /** Read-only hooks for the browser test and for curious people with a console. */
    __dashboard?: DashboardProbe;
  }
}

export interface DashboardProbe {
  cost(): CostSummary;
  resetCost(): void;
  /** Animation-frame updates so far, and how many of them redrew charts. */
  draws(): number;
  chartDraws(): number;
  feeds(): Record<
    SystemId,
    { status: string; windowFrames: number; held: number; lastStart: number | null; errorCount: number }
  >;
  points(): Record<SystemId, Record<string, number>>;
  /** Newest window start drawn per system (stays put while paused). */
  lastDrawn(): Record<SystemId, number | null>;
  /** Delivery delay (window end to this page) over the live windows held, per system. */
  delivery(): Record<SystemId, DeliverySummary>;
  csv(): string;
  /**
   * The live stream's encoding per system: the one in use (from the last frame, else the handshake),
   * the subprotocol the server chose, binary and text frames received, and each encoding's frame cost.
   */
  encodings(): Record<
    SystemId,
    {
      inUse: Encoding;
      protocol: string;
      binaryFrames: number;
      textFrames: number;
      cost: Record<Encoding, FrameCostSummary>;
    }
  >;
  /** Forgets every system's frame figures (bytes/frame, decode/frame); frame counts stay. */
  resetFrameCost(): void;
  /** The last window frames that arrived live (decoded and checked), oldest first, per system. */
  liveWindows(): Record<SystemId, MetricWindow[]>;
  /**
   * Decodes the last window frame received in `encoding` `times` times over and returns each
   * decode's ms: one real frame, timed repeatedly, for the benchmark (bench/browser-decode.ts).
   */
  decodeTimes(id: SystemId, encoding: Encoding, times: number): number[] | null;
  /** The lab's state and markers, when the page was opened with the lab's token; else null. */
  lab(): LabProbe | null;
}

/** Most points per chart line: about a chart's width in pixels at 1280 px; more would not show. */
const MAX_POINTS = 300;
const STATS_EVERY_MS = 1000;
/** Window frames the encoding figures (bytes/frame, decode/frame) cover, and live windows the probe keeps. */
const FRAME_SPAN = 50;

interface SystemView {
  config: SystemConfig;
  feed: Feed;
  panel: SystemPanel;
  client: LiveClient;
  /** Server clock minus client clock, from the last window's end (0 until a window arrives). */
  clockOffset: number;
  history: AbortController | null;
  /** performance.now() of the last chart redraw, and the timer of a redraw that is due later. */
  chartsDrawnAt: number;
  chartTimer: ReturnType<typeof setTimeout> | null;
  frameCost: FrameCost;
  /** The encoding of the frames arriving now, and the subprotocol of the current socket. */
  encodingInUse: Encoding;
  protocol: string;
  binaryFrames: number;
  textFrames: number;
  liveWindows: MetricWindow[];
  /** The last window frame as received, per encoding (for `decodeTimes`). */
  lastRaw: { json?: string; msgpack?: Uint8Array };
}

const config = resolveConfig(location.search, window.INGESTLAB_CONFIG, location.href);
const state = {
  range: config.range as HistoryRange,
  paused: false,
  transport: config.transport as Transport,
  encoding: config.encoding as Encoding,
};
const meter = new CostMeter(2000);
let drawCount = 0;
let chartDraws = 0;

const controls = el('nav', { class: 'controls' });
const clock = el('span', { class: 'clock', testid: 'clock' });
const topBar = el(
  'header',
  { class: 'top-bar' },
  el('h1', {}, 'ingestlab ', el('span', { text: 'live' })),
  controls,
  clock,
);
const problems = el('div', { class: 'config-problems', testid: 'config-problems' });
problems.hidden = config.problems.length === 0;
problems.textContent = config.problems.join(' · ');
const grid = el('main', { class: 'systems' });
document.body.append(topBar, problems, grid);

const views = config.systems.map((system): SystemView => {
  const feed = new Feed({ expect: system.expect });
  const panel = new SystemPanel(grid, system, config.thresholds);
  const view: SystemView = {
    config: system,
    feed,
    panel,
    client: null as unknown as LiveClient,
    clockOffset: 0,
    history: null,
    chartsDrawnAt: 0,
    chartTimer: null,
    frameCost: new FrameCost(FRAME_SPAN),
    encodingInUse: 'json',
    protocol: '',
    binaryFrames: 0,
    textFrames: 0,
    liveWindows: [],
    lastRaw: {},
  };
  /** One frame in either encoding: decoded (timed), checked by the same contract check, applied. */
  const receive = (raw: string | Uint8Array) => {
    const binary = typeof raw !== 'string';
    const started = performance.now();
    const decoded = binary ? decodeFrameBytes(raw) : decodeFrameText(raw);
    const decodeMs = performance.now() - started;
    const encoding: Encoding = binary ? 'msgpack' : 'json';
    view.encodingInUse = encoding;
    if (binary) view.binaryFrames++;
    else view.textFrames++;
    const parsed = checkFrame(decoded);
    if (parsed.ok && parsed.frame.type === 'window') {
      view.frameCost.record(encoding, binary ? raw.byteLength : utf8Length(raw), decodeMs);
      if (binary) view.lastRaw.msgpack = raw;
      else view.lastRaw.json = raw;
      view.liveWindows.push(parsed.frame.window);
      if (view.liveWindows.length > FRAME_SPAN) view.liveWindows.shift();
    }
    onFrame(parsed);
  };
  const onFrame = (parsed: ParsedFrame) => {
    const now = Date.now();
    const effect = feed.apply(parsed, now);
    if (effect.snapshot) loadHistory(view);
    // a window that arrived live: how long after its end it got here
    if (effect.windows && !effect.snapshot && feed.lastWindow) recordDelivery(feed.lastWindow, now);
    if (effect.windows) {
      const last = feed.buffer.last;
      if (last && !effect.snapshot) view.clockOffset = last.end - now;
      markDirty(view);
    }
    panel.renderStatus(feed, now);
  };
  view.client = new LiveClient({
    transport: state.transport,
    encoding: state.encoding,
    url: (transport) => liveUrl(system.base, transport),
    onOpen: (protocol) => {
      view.protocol = protocol;
      view.encodingInUse = encodingOfSubprotocol(protocol);
      feed.opened();
    },
    onText: receive,
    onBytes: receive,
    onLost: (attempt) => {
      feed.lost(attempt);
      panel.renderStatus(feed, Date.now());
    },
  });
  return view;
});

// --- the lab: only when the page was opened with the lab's token --------------------------
const lab = mountLab({
  before: grid,
  systems: views.map((view) => ({
    id: view.config.id,
    slot: view.panel.labSlot,
    setAnnotations: (build) => view.panel.charts.setAnnotations(build),
    annotationLabels: () => view.panel.charts.annotationLabels(),
  })),
  problem(text) {
    problems.hidden = false;
    problems.textContent = [...config.problems, text].join(' · ');
  },
});

// --- drawing, batched to animation frames ---------------------------------------------------
const dirty = new Set<SystemView>();
let frameRequested = false;

/** Redraws at most this often: frames of both systems arriving close together share one draw. */
const MIN_DRAW_INTERVAL_MS = 100;
let lastDrawAt = 0;

function markDirty(view: SystemView): void {
  dirty.add(view);
  if (frameRequested) return;
  frameRequested = true;
  const wait = lastDrawAt + MIN_DRAW_INTERVAL_MS - performance.now();
  if (wait <= 0) requestAnimationFrame(draw);
  else setTimeout(() => requestAnimationFrame(draw), wait);
}

function visibleRange(view: SystemView): { from: number; to: number } {
  const to = Math.max(Date.now() + view.clockOffset, view.feed.buffer.last?.end ?? 0);
  return { from: to - HISTORY_RANGES[state.range], to };
}

/**
 * Charts redraw at most once per pixel's worth of time (range / MAX_POINTS), within 100 ms–1 s:
 * at 5m a 100 ms window moves the line by a third of a pixel, so redrawing per window is waste.
 * The figures above the charts (KPIs, top hosts) still follow every frame.
 */
function chartInterval(): number {
  return Math.min(1000, Math.max(MIN_DRAW_INTERVAL_MS, HISTORY_RANGES[state.range] / MAX_POINTS));
}

function draw(): void {
  frameRequested = false;
  const started = performance.now();
  lastDrawAt = started;
  for (const view of dirty) {
    view.panel.renderLatest(view.feed);
    view.panel.renderFrameCost(view.encodingInUse, view.frameCost.summary(view.encodingInUse));
    if (state.paused) continue;
    const due = view.chartsDrawnAt + chartInterval() - started;
    if (due > 0) {
      if (!view.chartTimer) {
        view.chartTimer = setTimeout(() => {
          view.chartTimer = null;
          markDirty(view);
        }, due);
      }
      continue;
    }
    view.chartsDrawnAt = started;
    const { from, to } = visibleRange(view);
    const buckets = bucketWindows(view.feed.buffer.range(from), {
      windowMs: view.feed.windowMs,
      from,
      maxPoints: MAX_POINTS,
    });
    view.panel.charts.update(buckets, from, to);
    chartDraws++;
  }
  dirty.clear();
  drawCount++;
  meter.record(performance.now() - started);
}

// --- history: fill the selected range after a (re)connect or a range change ------------------
function loadHistory(view: SystemView): void {
  const { feed } = view;
  const wanted = HISTORY_RANGES[state.range];
  const first = feed.buffer.first;
  const last = feed.buffer.last;
  // The snapshot already covers the range: nothing to ask.
  if (first && last && last.end - first.start >= wanted - feed.windowMs) return;
  view.history?.abort();
  const controller = new AbortController();
  view.history = controller;
  fetchHistory(view.config.base, state.range, controller.signal)
    .then((windows) => {
      feed.mergeHistory(windows);
      markDirty(view);
    })
    .catch((error: Error) => {
      if (error.name !== 'AbortError') console.warn(`${view.config.id} history: ${error.message}`);
    });
}

// --- controls ------------------------------------------------------------------------------
renderControls(controls, state, {
  onRange(range) {
    state.range = range;
    for (const view of views) {
      view.chartsDrawnAt = 0;
      loadHistory(view);
      markDirty(view);
    }
  },
  onPause(paused) {
    state.paused = paused;
    if (!paused) for (const view of views) markDirty(view);
  },
  onTransport(transport) {
    state.transport = transport;
    for (const view of views) {
      view.feed.status = 'connecting';
      view.client.switchTo(transport);
    }
  },
  onEncoding(encoding) {
    state.encoding = encoding;
    for (const view of views) {
      view.feed.status = 'connecting';
      view.client.switchTo(state.transport, encoding);
    }
  },
  onExport() {
    const blob = new Blob([visibleCsv()], { type: 'text/csv' });
    const link = el('a');
    link.href = URL.createObjectURL(blob);
    link.download = `ingestlab-windows-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  },
});

function visibleCsv(): string {
  return formatCsv(
    views.flatMap((view) => {
      const { from } = visibleRange(view);
      return view.feed.buffer.range(from).map((window) => ({ system: view.config.expect, window }));
    }),
    views.flatMap((view) => {
      const { from } = visibleRange(view);
      return (lab?.markers() ?? [])
        .filter((marker) => marker.systems.includes(view.config.id) && marker.at >= from)
        .map((marker) => ({ system: view.config.expect, at: marker.at, label: marker.label }));
    }),
  );
}

// --- timers: badge ages, scrolling when no frames come, /stats totals -------------------------
let ticks = 0;
setInterval(() => {
  const now = Date.now();
  clock.textContent = formatClock(now);
  for (const view of views) view.panel.renderStatus(view.feed, now);
  // Once a second, scroll charts of systems that are silent, so an outage shows as empty time.
  if (++ticks % 4 === 0 && !state.paused) {
    for (const view of views) if (view.feed.status !== 'live') markDirty(view);
  }
}, 250);

for (const view of views) {
  const poll = () => {
    fetchStats(view.config.base, AbortSignal.timeout(STATS_EVERY_MS * 2))
      .then((stats) => view.panel.renderStats(stats))
      .catch(() => view.panel.renderStats(null))
      .finally(() => setTimeout(poll, STATS_EVERY_MS));
  };
  poll();
  view.client.start();
  markDirty(view); // draw the empty axes of the current range at once
}

window.__dashboard = {
  cost: () => meter.summary(),
  resetCost: () => meter.reset(),
  draws: () => drawCount,
  chartDraws: () => chartDraws,
  feeds: () =>
    Object.fromEntries(
      views.map((v) => [
        v.config.id,
        {
          status: v.feed.status,
          windowFrames: v.feed.windowFrames,
          held: v.feed.buffer.size,
          lastStart: v.feed.buffer.last?.start ?? null,
          errorCount: v.feed.errorCount,
        },
      ]),
    ) as ReturnType<DashboardProbe['feeds']>,
  points: () =>
    Object.fromEntries(views.map((v) => [v.config.id, v.panel.charts.pointCounts()])) as Record<
      SystemId,
      Record<string, number>
    >,
  lastDrawn: () =>
    Object.fromEntries(views.map((v) => [v.config.id, v.panel.charts.lastX()])) as Record<
      SystemId,
      number | null
    >,
  delivery: () =>
    Object.fromEntries(views.map((v) => [v.config.id, summariseDelivery(v.feed.buffer.windows)])) as Record<
      SystemId,
      DeliverySummary
    >,
  csv: visibleCsv,
  encodings: () =>
    Object.fromEntries(
      views.map((v) => [
        v.config.id,
        {
          inUse: v.encodingInUse,
          protocol: v.protocol,
          binaryFrames: v.binaryFrames,
          textFrames: v.textFrames,
          cost: { json: v.frameCost.summary('json'), msgpack: v.frameCost.summary('msgpack') },
        },
      ]),
    ) as ReturnType<DashboardProbe['encodings']>,
  resetFrameCost: () => {
    for (const view of views) view.frameCost.reset();
  },
  liveWindows: () =>
    Object.fromEntries(views.map((v) => [v.config.id, [...v.liveWindows]])) as Record<
      SystemId,
      MetricWindow[]
    >,
  decodeTimes(id, encoding, times) {
    const raw = views.find((v) => v.config.id === id)?.lastRaw[encoding];
    if (raw === undefined) return null;
    const took: number[] = [];
    for (let i = 0; i < times; i++) {
      const started = performance.now();
      const decoded = typeof raw === 'string' ? decodeFrameText(raw) : decodeFrameBytes(raw);
      took.push(performance.now() - started);
      if (!decoded.ok) return null;
    }
    return took;
  },
  lab: () => lab,
};

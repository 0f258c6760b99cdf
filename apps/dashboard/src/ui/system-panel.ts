// One system's column: name, connection badge with the last frame's age, errors, the accounting
// totals from /stats, the last window's figures, the charts and the top-hosts table.
import type { Stats, WindowShards } from '@ingestlab/metric-schema';
import type { SystemConfig } from '../config.js';
import { summariseDelivery } from '../model/delivery.js';
import type { Feed } from '../model/feed.js';
import { levelOf, type Thresholds } from '../model/thresholds.js';
import { SystemCharts } from './charts.js';
import { el, setText } from './dom.js';
import { formatAge, formatCompact, formatCount, formatMs, formatPercent } from './format.js';

/** The delivery KPI covers the windows of the last minute. */
const DELIVERY_SPAN_MS = 60_000;

const BADGE_TEXT = {
  connecting: 'connecting',
  live: 'live',
  reconnecting: 'reconnecting',
  offline: 'offline',
  error: 'error',
} as const;

export class SystemPanel {
  readonly charts: SystemCharts;
  /** Empty unless the lab fills it (its scoreboard for this system). */
  readonly labSlot: HTMLElement;
  readonly #badge: HTMLElement;
  readonly #age: HTMLElement;
  readonly #error: HTMLElement;
  readonly #kpi: Record<string, HTMLElement> = {};
  readonly #topBody: HTMLTableSectionElement;
  readonly #id: string;

  constructor(
    parent: HTMLElement,
    readonly config: SystemConfig,
    private readonly thresholds: Thresholds,
  ) {
    const id = config.id;
    this.#id = id;
    this.#badge = el('span', { class: 'badge', testid: `${id}-status`, text: 'connecting' });
    this.#badge.dataset.status = 'connecting';
    this.#age = el('span', { class: 'age', testid: `${id}-age`, text: 'no frame yet' });
    this.#error = el('div', { class: 'frame-error', testid: `${id}-error` });
    this.#error.hidden = true;
    const header = el(
      'header',
      { class: 'panel-head' },
      el('h2', { text: config.label }),
      el('div', { class: 'status' }, this.#badge, this.#age),
    );
    const base = el('div', { class: 'base-url', text: config.base });

    const kpis = el('div', { class: 'kpis' });
    const kpi = (key: string, label: string, title: string) => {
      const value = el('span', { class: 'kpi-value', testid: `${id}-${key}`, text: '—' });
      kpis.append(el('div', { class: 'kpi', title }, value, el('span', { class: 'kpi-label', text: label })));
      this.#kpi[key] = value;
    };
    kpi('accepted', 'accepted', '/stats: samples taken in and acknowledged');
    kpi('aggregated', 'aggregated', '/stats: samples that reached the aggregate');
    kpi('rejected', 'rejected batches', '/stats: batches refused');
    kpi('rate', 'samples/s', 'last window: samples per second into the aggregate');
    kpi(
      'delivery',
      'delivery p99, 1 min',
      'how long after a window ended it reached this page: p99 over the windows of the last minute (on this page’s clock)',
    );
    kpi(
      'lag',
      'sample age p99',
      'last window: 99th percentile age of a sample when the window was published; up to one window length of it is the window itself',
    );
    kpi('last-samples', 'last window', 'samples in the most recent window');
    kpi('queue', 'queue depth', '/stats: batches waiting in the queue (always 0 for System 2)');
    kpi('viewers', 'viewers', 'last window: dashboard connections');
    // Only a sharded System 2 (its merger) sends `shards`; the readout stays hidden otherwise.
    kpi('shards', 'shards in last window', 'last window: shards whose partial window the merger merged');
    this.#kpi.shards!.parentElement!.hidden = true;

    this.labSlot = el('div', { class: 'lab-slot', testid: `${id}-lab-slot` });
    const chartGrid = el('div', { class: 'charts' });
    this.charts = new SystemCharts(chartGrid, config.id);

    this.#topBody = el('tbody');
    // The table sits in the charts' grid, beside the last chart, so the column has no hole.
    const table = el(
      'table',
      { class: 'top-hosts', testid: `${id}-top-hosts` },
      el('thead', {}, el('tr', {}, el('th', { text: 'host' }), el('th', { text: 'CPU' }))),
      this.#topBody,
    );
    chartGrid.append(
      el(
        'figure',
        { class: 'chart-card' },
        el('figcaption', {
          text: `Top hosts by CPU · warn ≥ ${thresholds.warn} %, critical ≥ ${thresholds.critical} %`,
        }),
        table,
      ),
    );

    parent.append(
      el(
        'section',
        { class: `panel panel-${id}`, testid: `${id}-panel` },
        header,
        base,
        this.#error,
        kpis,
        this.labSlot,
        chartGrid,
      ),
    );
  }

  /** Badge, age and error line; cheap, called by a timer as well as after frames. */
  renderStatus(feed: Feed, now: number): void {
    setText(this.#badge, BADGE_TEXT[feed.status]);
    this.#badge.dataset.status = feed.status;
    setText(
      this.#age,
      feed.lastFrameAt === null ? 'no frame yet' : `last frame ${formatAge(now - feed.lastFrameAt)} ago`,
    );
    const error = feed.error;
    this.#error.hidden = error === null;
    if (error) {
      const count = feed.errorCount > 1 ? ` (${feed.errorCount} errors)` : '';
      setText(this.#error, `${error.fatal ? 'Stopped: ' : 'Bad frame: '}${error.message}${count}`);
      this.#error.dataset.fatal = String(error.fatal);
    }
  }

  renderStats(stats: Stats | null): void {
    this.#setKpi('accepted', stats?.accepted, formatCount);
    this.#setKpi('aggregated', stats?.aggregated, formatCount);
    this.#setKpi('rejected', stats?.rejected, formatCount);
    this.#setKpi('queue', stats?.queueDepth, formatCount);
  }

  /** Figures of the newest window held, and its top hosts. */
  renderLatest(feed: Feed): void {
    const window = feed.buffer.last;
    this.#setKpi('rate', window?.pipeline.ingestRate, (v) => formatCompact(v));
    const last = feed.buffer.last;
    const delivery = summariseDelivery(last ? feed.buffer.range(last.start - DELIVERY_SPAN_MS) : []);
    this.#setKpi('delivery', delivery.p99, formatMs);
    const deliveryNode = this.#kpi.delivery;
    if (deliveryNode) deliveryNode.dataset.latest = delivery.latest === null ? '' : String(delivery.latest);
    this.#setKpi('lag', window?.pipeline.lagP99, formatMs);
    const lagLabel = this.#kpi.lag?.nextElementSibling;
    if (lagLabel) setText(lagLabel as HTMLElement, `sample age p99 (window ${formatMs(feed.windowMs)})`);
    this.#setKpi('last-samples', window?.samples, formatCount);
    const lastSamples = this.#kpi['last-samples'];
    if (lastSamples) lastSamples.dataset.start = window ? String(window.start) : '';
    this.#setKpi('viewers', window?.pipeline.viewers, formatCount);
    this.#renderShards(window?.shards);
    const rows = (window?.top ?? []).map((top) => {
      const level = levelOf(top.cpu, this.thresholds);
      const row = el(
        'tr',
        { class: `level-${level}` },
        el('td', { text: top.host }),
        el('td', { text: formatPercent(top.cpu) }),
      );
      row.dataset.level = level;
      return row;
    });
    if (rows.length === 0)
      rows.push(el('tr', {}, el('td', { class: 'empty', text: 'no samples in the last window' })));
    this.#topBody.replaceChildren(...rows);
  }

  /** "3/3", or "2/3" with the missing shards named: a short window is never shown as whole. */
  #renderShards(shards: WindowShards | undefined): void {
    const node = this.#kpi.shards;
    if (!node?.parentElement) return;
    node.parentElement.hidden = shards === undefined;
    if (!shards) return;
    setText(node, `${shards.reported}/${shards.expected}`);
    node.dataset.missing = shards.missing.join(',');
    node.parentElement.dataset.level = shards.missing.length > 0 ? 'warn' : 'ok';
    node.parentElement.title =
      shards.missing.length > 0
        ? `last window lacks ${shards.missing.join(', ')}: their samples are not in it`
        : 'last window: every shard merged';
  }

  #setKpi(key: string, value: number | null | undefined, format: (v: number) => string): void {
    const node = this.#kpi[key];
    if (!node) return;
    setText(node, value === null || value === undefined ? '—' : format(value));
    node.dataset.value = value === null || value === undefined ? '' : String(value);
  }

  get id(): string {
    return this.#id;
  }
}

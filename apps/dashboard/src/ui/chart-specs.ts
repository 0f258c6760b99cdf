// What each chart draws, declared once for both systems: lines picked from a window, how a bucket
// of windows combines, colours and axes. The max line fills down to p95, drawing the band.
import type { Window as MetricWindow } from '@ingestlab/metric-schema';
import type { SystemId } from '../config.js';
import { deliveryOf } from '../model/delivery.js';
import type { Combine, Pick } from '../model/series.js';
import { formatBytesPerSecond, formatCompact, formatMs } from './format.js';

export interface LineSpec {
  label: string;
  pick: Pick;
  combine: Combine;
  color: string;
  /** Fill to the previous line (the band between p95 and max). */
  band?: boolean;
  dashed?: boolean;
  /** Right-hand axis, for a second unit. */
  right?: boolean;
  /** Only drawn for this system (queue depth exists only in System 1). */
  only?: SystemId;
}

export interface ChartSpec {
  id: string;
  title: string;
  lines: LineSpec[];
  /** Fixed top of the left axis (percentages); unset means fit the data. */
  max?: number;
  format: (value: number) => string;
  formatRight?: (value: number) => string;
}

export const COLORS = {
  blue: '#4cc2ff',
  amber: '#ffb020',
  amberBand: 'rgba(255, 176, 32, 0.22)',
  violet: '#c79bff',
  green: '#3ddc84',
  red: '#ff5c5c',
  orange: '#ff8c42',
  grey: '#8a97a6',
};

const percentLines = (metric: 'cpu' | 'mem' | 'disk'): LineSpec[] => [
  { label: 'avg', pick: (w) => w[metric]?.avg, combine: 'avg', color: COLORS.blue },
  { label: 'p95', pick: (w) => w[metric]?.p95, combine: 'max', color: COLORS.amber },
  {
    label: 'max',
    pick: (w) => w[metric]?.max,
    combine: 'max',
    color: COLORS.amberBand,
    band: true,
    dashed: true,
  },
];

const percent = (value: number) => `${Math.round(value)}`;

export const CHART_SPECS: ChartSpec[] = [
  {
    id: 'ingest',
    title: 'Accepted samples/s vs rejected batches',
    lines: [
      { label: 'samples/s', pick: (w) => w.pipeline.ingestRate, combine: 'avg', color: COLORS.green },
      {
        label: 'rejected/window',
        pick: (w: MetricWindow) => w.pipeline.rejected,
        combine: 'max',
        color: COLORS.red,
        right: true,
      },
    ],
    format: (v) => formatCompact(v),
    formatRight: (v) => formatCompact(v),
  },

  {
    id: 'delivery',
    title: 'Delivery delay: window end → this page (ms)',
    lines: [{ label: 'delay', pick: (w) => deliveryOf(w), combine: 'max', color: COLORS.green }],
    format: formatMs,
  },

  {
    id: 'lag',
    title: 'Sample age at publication (ms), window length dashed',
    lines: [
      { label: 'p50', pick: (w) => w.pipeline.lagP50, combine: 'avg', color: COLORS.blue },
      { label: 'p99', pick: (w) => w.pipeline.lagP99, combine: 'max', color: COLORS.orange },
      // samples wait up to one window by design: what rises above this line is the pipeline's
      { label: 'window', pick: (w) => w.end - w.start, combine: 'last', color: COLORS.grey, dashed: true },
    ],
    format: formatMs,
  },

  { id: 'cpu', title: 'CPU %', lines: percentLines('cpu'), max: 100, format: percent },

  {
    id: 'net',
    title: 'Network per host (avg, p95 dashed)',
    lines: [
      { label: 'in', pick: (w) => w.netIn?.avg, combine: 'avg', color: COLORS.blue },
      { label: 'out', pick: (w) => w.netOut?.avg, combine: 'avg', color: COLORS.violet },
      { label: 'in p95', pick: (w) => w.netIn?.p95, combine: 'max', color: COLORS.blue, dashed: true },
      { label: 'out p95', pick: (w) => w.netOut?.p95, combine: 'max', color: COLORS.violet, dashed: true },
    ],
    format: formatBytesPerSecond,
  },

  { id: 'mem', title: 'Memory %', lines: percentLines('mem'), max: 100, format: percent },

  { id: 'disk', title: 'Disk %', lines: percentLines('disk'), max: 100, format: percent },

  {
    id: 'fanout',
    title: 'Queue depth · viewers · dropped frames',
    lines: [
      { label: 'queue', pick: (w) => w.pipeline.queueDepth, combine: 'max', color: COLORS.amber, only: 's1' },
      { label: 'viewers', pick: (w) => w.pipeline.viewers, combine: 'last', color: COLORS.blue, right: true },
      {
        label: 'dropped',
        pick: (w) => w.pipeline.droppedFrames,
        combine: 'last',
        color: COLORS.red,
        right: true,
      },
    ],
    format: (v) => formatCompact(v),
    formatRight: (v) => formatCompact(v),
  },
];

// CSV export of the windows on screen: one row per (system, window), RFC 4180 quoting, empty cells
// for null statistics (an empty window), so a spreadsheet never sees an invented zero.
import { METRIC_NAMES, type Window as MetricWindow } from '@ingestlab/metric-schema';

const STATS = ['avg', 'p50', 'p95', 'p99', 'max'] as const;
const PIPELINE = [
  'accepted',
  'rejected',
  'ingestRate',
  'lagP50',
  'lagP99',
  'queueDepth',
  'viewers',
  'droppedFrames',
] as const;

export const CSV_COLUMNS: readonly string[] = [
  'system',
  'start',
  'end',
  'startIso',
  'samples',
  'hosts',
  ...METRIC_NAMES.flatMap((metric) => STATS.map((stat) => `${metric}_${stat}`)),
  ...PIPELINE,
  'top_hosts',
  'marker',
];

export interface CsvRow {
  system: string;
  window: MetricWindow;
}

/** A lab marker (an action or a recovery) on one system's charts: a row of its own in the export. */
export interface CsvMarker {
  system: string;
  at: number;
  label: string;
}

export function formatCsv(rows: readonly CsvRow[], markers: readonly CsvMarker[] = []): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { system, window } of rows) {
    const cells: (string | number | null | undefined)[] = [
      system,
      window.start,
      window.end,
      new Date(window.start).toISOString(),
      window.samples,
      window.hosts,
    ];
    for (const metric of METRIC_NAMES) {
      const stats = window[metric];
      for (const stat of STATS) cells.push(stats ? stats[stat] : null);
    }
    for (const field of PIPELINE) cells.push(window.pipeline[field]);
    cells.push(window.top.map((t) => `${t.host}:${t.cpu}`).join(' '));
    cells.push(null);
    lines.push(cells.map(cell).join(','));
  }
  const blanks = CSV_COLUMNS.length - 5;
  for (const marker of markers) {
    const cells = [
      marker.system,
      marker.at,
      null,
      new Date(marker.at).toISOString(),
      ...new Array(blanks).fill(null),
      marker.label,
    ];
    lines.push(cells.map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  // Quote when needed; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

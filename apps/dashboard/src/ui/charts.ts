// Chart.js line charts for one system, tuned for constant cost: no animation, no parsing (points
// are already {x, y}), linear time axis, decimation on, and at most `maxPoints` points per line.
import {
  Chart,
  type ChartDataset,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { SystemId } from '../config.js';
import { type Bucket, type Point, seriesOf } from '../model/series.js';
import { CHART_SPECS, type ChartSpec, type LineSpec } from './chart-specs.js';
import { formatClock } from './format.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip, Decimation);
Chart.defaults.color = '#c9d4df';
Chart.defaults.borderColor = '#223041';
Chart.defaults.font.size = 14;
Chart.defaults.font.family = 'system-ui, "Segoe UI", Roboto, sans-serif';

interface DrawnChart {
  spec: ChartSpec;
  lines: LineSpec[];
  chart: Chart<'line', Point[]>;
}

export class SystemCharts {
  readonly #charts: DrawnChart[] = [];

  /** Builds one chart per spec inside `container`, each in a titled card. */
  constructor(container: HTMLElement, system: SystemId) {
    for (const spec of CHART_SPECS) {
      const lines = spec.lines.filter((line) => !line.only || line.only === system);
      const card = document.createElement('figure');
      card.className = 'chart-card';
      const caption = document.createElement('figcaption');
      caption.textContent = spec.title;
      const holder = document.createElement('div');
      holder.className = 'chart-holder';
      const canvas = document.createElement('canvas');
      canvas.dataset.testid = `${system}-chart-${spec.id}`;
      holder.append(canvas);
      card.append(caption, holder);
      container.append(card);
      this.#charts.push({ spec, lines, chart: createChart(canvas, spec, lines) });
    }
  }

  /** Redraws every chart from the buckets of the visible range [from, to]. */
  update(buckets: readonly Bucket[], from: number, to: number): void {
    for (const { chart, lines } of this.#charts) {
      const x = chart.options.scales?.x;
      if (x) {
        x.min = from;
        x.max = to;
      }
      lines.forEach((line, i) => {
        const dataset = chart.data.datasets[i];
        if (dataset) dataset.data = seriesOf(buckets, line.pick, line.combine);
      });
      chart.update('none');
    }
  }

  /**
   * Vertical markers (the lab's actions and recoveries) as annotation-plugin options; `build(true)`
   * gives labelled lines for the first two charts, `build(false)` bare lines for the others.
   */
  setAnnotations(build: (withLabels: boolean) => Record<string, object>): void {
    this.#charts.forEach(({ chart }, i) => {
      const plugins = chart.options.plugins as Record<string, unknown> | undefined;
      if (plugins) plugins.annotation = { annotations: build(i < 2) };
      chart.update('none');
    });
  }

  /** Labels of the markers on the first chart. */
  annotationLabels(): string[] {
    const plugins = this.#charts[0]?.chart.options.plugins as
      | { annotation?: { annotations?: Record<string, { label?: { content?: string } }> } }
      | undefined;
    return Object.values(plugins?.annotation?.annotations ?? {}).map((a) => String(a.label?.content ?? ''));
  }

  /** Points currently given to each chart's first line, for the browser test. */
  pointCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { spec, chart } of this.#charts) counts[spec.id] = chart.data.datasets[0]?.data.length ?? 0;
    return counts;
  }

  /** The newest x drawn (window start), or null before the first draw. */
  lastX(): number | null {
    const data = this.#charts[0]?.chart.data.datasets[0]?.data;
    return data?.[data.length - 1]?.x ?? null;
  }
}

function createChart(canvas: HTMLCanvasElement, spec: ChartSpec, lines: LineSpec[]): Chart<'line', Point[]> {
  const datasets: ChartDataset<'line', Point[]>[] = lines.map((line) => ({
    label: line.label,
    data: [],
    borderColor: line.band ? line.color.replace(/[\d.]+\)$/, '0.9)') : line.color,
    backgroundColor: line.color,
    borderWidth: line.band ? 1 : 2.5,
    borderDash: line.dashed ? [6, 4] : [],
    fill: line.band ? '-1' : false,
    pointRadius: 0,
    pointHitRadius: 6,
    spanGaps: false,
    yAxisID: line.right ? 'y1' : 'y',
  }));
  const hasRight = lines.some((line) => line.right);
  return new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        decimation: { enabled: true, algorithm: 'min-max' },
        legend: { position: 'top', align: 'end', labels: { boxWidth: 14, boxHeight: 3, padding: 8 } },
        tooltip: {
          callbacks: {
            title: (items) => formatClock(items[0]?.parsed.x ?? 0),
            label: (item) => {
              const format = item.dataset.yAxisID === 'y1' ? (spec.formatRight ?? spec.format) : spec.format;
              return `${item.dataset.label}: ${item.parsed.y === null ? '—' : format(item.parsed.y)}`;
            },
          },
        },
      },
      scales: {
        x: {
          type: 'linear',
          ticks: { maxTicksLimit: 5, maxRotation: 0, callback: (value) => formatClock(Number(value)) },
          grid: { display: false },
        },
        y: {
          type: 'linear',
          min: 0,
          ...(spec.max === undefined ? {} : { max: spec.max }),
          ticks: { maxTicksLimit: 5, callback: (value) => spec.format(Number(value)) },
        },
        ...(hasRight
          ? {
              y1: {
                type: 'linear' as const,
                position: 'right' as const,
                min: 0,
                grid: { display: false },
                ticks: {
                  maxTicksLimit: 4,
                  callback: (value: string | number) => (spec.formatRight ?? spec.format)(Number(value)),
                },
              },
            }
          : {}),
      },
    },
  });
}

// A small line chart as SVG text (no dependencies): lines with markers, min–max whiskers for the
// spread over repeats, optional log axes and a dashed reference line. Rendered to PNG by chromium.

export interface ChartLine {
  name: string;
  color: string;
  dashed?: boolean;
  /** [x, y] points; y null leaves a gap. */
  points: [number, number | null][];
  /** Optional whiskers: [x, min, max]. */
  whiskers?: [number, number, number][];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  lines: ChartLine[];
  logX?: boolean;
  logY?: boolean;
  /** A dashed grey line y = x (throughput charts) or a horizontal bound. */
  reference?: { kind: 'diagonal' } | { kind: 'horizontal'; y: number; label: string };
  width?: number;
  height?: number;
}

export const PALETTE: Record<string, string> = {
  'bare-http': '#7f7f7f',
  http1: '#1f77b4',
  h2c: '#2ca02c',
  h2: '#9467bd',
  'bare-ws': '#bcbd22',
  ws: '#d62728',
  'http1+msgpack': '#17becf',
  'ws+msgpack': '#ff7f0e',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
      }
    }
    return ticks;
  }
  const span = max - min || 1;
  const raw = span / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= 7) ?? mag * 10;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step)
    ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return String(Math.round(v));
  return String(+v.toFixed(2));
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 960;
  const H = spec.height ?? 540;
  const m = { left: 86, right: 230, top: 52, bottom: 64 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const line of spec.lines) {
    for (const [x, y] of line.points) {
      xs.push(x);
      if (y !== null) ys.push(y);
    }
    for (const [, lo, hi] of line.whiskers ?? []) ys.push(lo, hi);
  }
  if (spec.reference?.kind === 'horizontal') ys.push(spec.reference.y);
  if (xs.length === 0) xs.push(0, 1);
  if (ys.length === 0) ys.push(0, 1);
  const logX = spec.logX ?? false;
  const logY = spec.logY ?? false;
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (logX) {
    x0 = Math.max(x0, 1e-3) / 1.15;
    x1 *= 1.15;
  } else {
    x0 = Math.min(0, x0);
    x1 = x1 === x0 ? x0 + 1 : x1 * 1.04;
  }
  if (logY) {
    const positive = ys.filter((y) => y > 0);
    y0 = Math.max(positive.length ? Math.min(...positive) : 1, 0.01) / 1.3;
    y1 = Math.max(y1, y0 * 10) * 1.3;
  } else {
    y0 = Math.min(0, y0);
    y1 = y1 === y0 ? y0 + 1 : y1 * 1.08;
  }
  if (spec.reference?.kind === 'diagonal') y1 = Math.max(y1, x1);
  const sx = (x: number) =>
    m.left +
    (logX ? (Math.log(x) - Math.log(x0)) / (Math.log(x1) - Math.log(x0)) : (x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) =>
    m.top +
    ph -
    (logY
      ? (Math.log(Math.max(y, y0)) - Math.log(y0)) / (Math.log(y1) - Math.log(y0))
      : (y - y0) / (y1 - y0)) *
      ph;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.left}" y="30" font-size="18" font-weight="bold" fill="#222">${esc(spec.title)}</text>`,
  );
  for (const t of niceTicks(Math.max(x0, 0), x1, logX)) {
    const x = sx(t);
    if (x < m.left - 1 || x > m.left + pw + 1) continue;
    parts.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eee"/>`,
      `<text x="${x}" y="${m.top + ph + 22}" font-size="14" text-anchor="middle" fill="#444">${formatNumber(t)}</text>`,
    );
  }
  for (const t of niceTicks(Math.max(y0, 0), y1, logY)) {
    const y = sy(t);
    if (y < m.top - 1 || y > m.top + ph + 1) continue;
    parts.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${m.left - 8}" y="${y + 5}" font-size="14" text-anchor="end" fill="#444">${formatNumber(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 16}" font-size="15" text-anchor="middle" fill="#222">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" font-size="15" text-anchor="middle" fill="#222">${esc(spec.yLabel)}</text>`,
  );
  const ref = spec.reference;
  if (ref?.kind === 'diagonal') {
    const a = Math.max(x0, logY ? y0 : 0, 1e-3);
    parts.push(
      `<line x1="${sx(a)}" y1="${sy(a)}" x2="${sx(x1)}" y2="${sy(Math.min(x1, y1))}" stroke="#aaa" stroke-dasharray="6 5"/>`,
    );
  } else if (ref?.kind === 'horizontal') {
    const y = sy(ref.y);
    parts.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#c33" stroke-dasharray="8 5"/>`,
      `<text x="${m.left + 8}" y="${y - 6}" font-size="13" fill="#c33">${esc(ref.label)}</text>`,
    );
  }
  parts.push(`<g clip-path="none">`);
  for (const line of spec.lines) {
    for (const [x, lo, hi] of line.whiskers ?? []) {
      if (hi - lo <= 0) continue;
      const px = sx(x);
      parts.push(
        `<line x1="${px}" y1="${sy(lo)}" x2="${px}" y2="${sy(hi)}" stroke="${line.color}" stroke-width="1.5" opacity="0.7"/>`,
        `<line x1="${px - 5}" y1="${sy(lo)}" x2="${px + 5}" y2="${sy(lo)}" stroke="${line.color}" opacity="0.7"/>`,
        `<line x1="${px - 5}" y1="${sy(hi)}" x2="${px + 5}" y2="${sy(hi)}" stroke="${line.color}" opacity="0.7"/>`,
      );
    }
    let path = '';
    let pen = false;
    for (const [x, y] of line.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)} `;
      pen = true;
    }
    if (path) {
      parts.push(
        `<path d="${path}" fill="none" stroke="${line.color}" stroke-width="2.5"${line.dashed ? ' stroke-dasharray="7 5"' : ''}/>`,
      );
    }
    for (const [x, y] of line.points) {
      if (y === null) continue;
      parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="4" fill="${line.color}"/>`);
    }
  }
  parts.push('</g>');
  spec.lines.forEach((line, i) => {
    const y = m.top + 14 + i * 24;
    const x = m.left + pw + 18;
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + 28}" y2="${y}" stroke="${line.color}" stroke-width="3"${line.dashed ? ' stroke-dasharray="7 5"' : ''}/>`,
      `<text x="${x + 36}" y="${y + 5}" font-size="14" fill="#222">${esc(line.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

// Writes a comparison's results folder: summary.json, the PNG charts, report.md and a
// self-contained report.html.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComparisonSummary } from '../compare/results.js';
import { buildCharts } from './charts.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderPngs } from './render-png.js';

export interface WrittenReport {
  dir: string;
  files: string[];
  /** Set when the charts could not be drawn (e.g. no Chromium): the text report is still written. */
  chartError?: string;
}

export async function writeReport(summary: ComparisonSummary, dir: string): Promise<WrittenReport> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const charts = buildCharts(summary);
  let images = new Map<string, Buffer>();
  let chartError: string | undefined;
  try {
    images = await renderPngs(charts, dir);
    files.push(...images.keys());
  } catch (error) {
    chartError = `charts not drawn: ${(error as Error).message.split('\n')[0]} (set CHROMIUM_BIN or apt-get install -y chromium)`;
    summary.notes.push(chartError);
  }
  const drawn = charts.filter((c) => images.has(c.file));
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const markdown = renderMarkdown(summary, drawn);
  writeFileSync(join(dir, 'report.md'), markdown);
  writeFileSync(join(dir, 'report.html'), renderHtml(markdown, images, 'ingestlab comparison'));
  files.push('summary.json', 'report.md', 'report.html');
  return { dir, files, ...(chartError ? { chartError } : {}) };
}

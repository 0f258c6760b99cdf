// Turns SVG charts into PNG files with the system's headless Chromium (playwright-core, no browser
// download): one page, one screenshot per chart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumLaunchOptions } from '@ingestlab/devkit';
import { chromium } from 'playwright-core';
import type { Chart } from './charts.js';

/** Writes `<dir>/<chart.file>` for each chart; returns the PNG bytes by file name. */
export async function renderPngs(charts: Chart[], dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (charts.length === 0) return out;
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1.5 });
    for (const chart of charts) {
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:#fff">${chart.svg}</body></html>`,
      );
      const png = await page.locator('svg').first().screenshot({ type: 'png' });
      writeFileSync(join(dir, chart.file), png);
      out.set(chart.file, png);
    }
  } finally {
    await browser.close();
  }
  return out;
}

// Headless Debian Chromium through playwright-core, and a freshly built copy of the page.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumLaunchOptions } from '@ingestlab/devkit';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Debian's headless Chromium with the project's flags (devkit), or what to install. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions());
}

/** Builds the page into a temp folder (about a second), so the test always serves current code. */
export async function buildPage(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'ingestlab-dashboard-'));
  await build({
    root: packageDir,
    configFile: join(packageDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

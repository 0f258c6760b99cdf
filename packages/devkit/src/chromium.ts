// How this project starts Debian's headless Chromium (playwright-core cannot download browsers here):
// the binary, and the flags that keep it from reaching for the network this machine does not have.
import { existsSync } from 'node:fs';

export const CHROMIUM_INSTALL_HINT =
  'Install Chromium with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_BIN to a Chromium binary.';

/** Headless, no sandbox (CI runs as root), and no background traffic to Google's services. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface ChromiumLaunchOptions {
  executablePath: string;
  args: string[];
}

/**
 * Options for playwright-core's `chromium.launch`: CHROMIUM_BIN, else /usr/bin/chromium. Throws with
 * what to install when the binary is missing, rather than letting the launch fail obscurely.
 */
export function chromiumLaunchOptions(): ChromiumLaunchOptions {
  const executablePath = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`Chromium not found at ${executablePath}. ${CHROMIUM_INSTALL_HINT}`);
  return { executablePath, args: [...CHROMIUM_ARGS] };
}

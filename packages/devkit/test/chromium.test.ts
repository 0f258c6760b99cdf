// The Chromium launch options name the binary and its flags, or say what to install.
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumLaunchOptions } from '../src/index.js';

const saved = process.env.CHROMIUM_BIN;
afterEach(() => {
  if (saved === undefined) delete process.env.CHROMIUM_BIN;
  else process.env.CHROMIUM_BIN = saved;
});

describe('chromiumLaunchOptions', () => {
  it('uses CHROMIUM_BIN with the headless, offline flags', () => {
    process.env.CHROMIUM_BIN = process.execPath; // any existing file stands in for the binary
    expect(chromiumLaunchOptions()).toEqual({ executablePath: process.execPath, args: [...CHROMIUM_ARGS] });
    expect(CHROMIUM_ARGS).toContain('--disable-background-networking');
  });

  it('says what to install when the binary is missing', () => {
    process.env.CHROMIUM_BIN = '/nonexistent/chromium';
    expect(() => chromiumLaunchOptions()).toThrow(
      /Chromium not found at \/nonexistent\/chromium.*apt-get install -y chromium/,
    );
  });
});

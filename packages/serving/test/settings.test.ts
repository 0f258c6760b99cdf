// The shared settings: defaults, one message per wrong variable naming it, empty means unset.
import { describe, expect, it } from 'vitest';
import { ConfigError, DASHBOARD_ORIGINS, loadSharedConfig } from '../src/index.js';

describe('shared settings', () => {
  it('has documented defaults', () => {
    expect(loadSharedConfig({})).toEqual({
      host: '127.0.0.1',
      ingestToken: null,
      windowMs: 1000,
      historyWindows: 3600,
      liveSnapshotRange: '5m',
      liveMaxBacklogBytes: 262_144,
      liveHeartbeatMs: 5000,
      pingIntervalMs: 30_000,
      httpRateLimitPerMin: 1200,
      corsOrigins: DASHBOARD_ORIGINS,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
    });
  });

  it('takes an empty variable as unset (compose passes INGEST_TOKEN= when none is given)', () => {
    expect(loadSharedConfig({ INGEST_TOKEN: '', WINDOW_MS: '' })).toMatchObject({
      ingestToken: null,
      windowMs: 1000,
    });
  });

  it('reads values, a token of 1 to 256 visible characters and CORS as * or origins', () => {
    const config = loadSharedConfig({
      INGEST_TOKEN: 'x',
      WINDOW_MS: '250',
      LIVE_SNAPSHOT_RANGE: '1m',
      CORS_ORIGINS: 'http://a.example, https://b.example:8443',
    });
    expect(config).toMatchObject({ ingestToken: 'x', windowMs: 250, liveSnapshotRange: '1m' });
    expect(config.corsOrigins).toEqual(['http://a.example', 'https://b.example:8443']);
    expect(loadSharedConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });

  it.each([
    [{ WINDOW_MS: '1.5' }, 'WINDOW_MS must be an integer from 100 to 3600000, got "1.5"'],
    [{ WINDOW_MS: 'abc' }, 'WINDOW_MS must be an integer from 100 to 3600000, got "abc"'],
    [{ HISTORY_WINDOWS: '0' }, 'HISTORY_WINDOWS must be an integer from 1 to 100000, got "0"'],
    [{ LIVE_SNAPSHOT_RANGE: '2m' }, 'LIVE_SNAPSHOT_RANGE must be one of 1m, 5m, 15m, 1h, got "2m"'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [
      { INGEST_TOKEN: 'has space' },
      'INGEST_TOKEN must be 1 to 256 visible ASCII characters, got "has space"',
    ],
    [{ INGEST_TOKEN: 'x'.repeat(257) }, 'INGEST_TOKEN must be 1 to 256 visible ASCII characters'],
    [{ CORS_ORIGINS: 'http://a.example/path' }, 'CORS_ORIGINS must be * or comma-separated bare origins'],
    [{ HOST: 'a b' }, 'HOST must be a host name or an IP address, got "a b"'],
  ])('refuses %o', (env, message) => {
    expect(() => loadSharedConfig(env)).toThrow(ConfigError);
    expect(() => loadSharedConfig(env)).toThrow(message);
  });

  it('names every wrong variable at once', () => {
    expect(() => loadSharedConfig({ WINDOW_MS: 'x', LOG_LEVEL: 'y' })).toThrow(
      /LOG_LEVEL must be one of .*; WINDOW_MS must be an integer|WINDOW_MS must be an integer.*; LOG_LEVEL must be one of/,
    );
  });
});

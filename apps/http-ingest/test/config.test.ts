// Configuration is read once at boot: defaults from the contract, and a precise refusal of bad values.
import { describe, expect, it } from 'vitest';
import { ConfigError, DASHBOARD_ORIGINS } from '@ingestlab/serving';
import { loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the contract defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      host: '127.0.0.1',
      httpPort: 3001,
      h2cPort: 3002,
      httpsPort: 3443,
      ingestToken: null,
      windowMs: 1000,
      groupCommitMs: 2,
      corsOrigins: DASHBOARD_ORIGINS,
    });
  });

  it.each([
    [{ HTTP_PORT: 'abc' }, /HTTP_PORT must be an integer from 0 to 65535, got "abc"/],
    [{ WORKER_PORT: '-1' }, /WORKER_PORT must be an integer from 0 to 65535/],
    [{ HISTORY_WINDOWS: '0' }, /HISTORY_WINDOWS must be an integer from 1/],
    [{ LIVE_SNAPSHOT_RANGE: '2m' }, /LIVE_SNAPSHOT_RANGE must be one of 1m, 5m, 15m, 1h/],
    [{ H2C_PORT: '70000' }, /H2C_PORT must be an integer/],
    [{ WINDOW_MS: '10' }, /WINDOW_MS must be an integer from 100/],
    [{ GROUP_COMMIT_MS: '1.5' }, /GROUP_COMMIT_MS must be an integer/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must be a URL like redis:\/\/127.0.0.1:6379/],
    [{ TLS_CERT: '/x.pem' }, /TLS_CERT and TLS_KEY must be given together/],
    [{ HTTP_PORT: '4000', H2C_PORT: '4000' }, /must differ/],
    [{ CORS_ORIGINS: 'http://a.example, nope' }, /CORS_ORIGINS must be/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ INGEST_TOKEN: 'has space' }, /INGEST_TOKEN must be/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads a list of origins and a token', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'http://localhost:5173,https://x.example',
      INGEST_TOKEN: 'abc',
    });
    expect(config.corsOrigins).toEqual(['http://localhost:5173', 'https://x.example']);
    expect(config.ingestToken).toBe('abc');
  });
});

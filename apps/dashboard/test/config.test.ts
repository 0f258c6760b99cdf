import { describe, expect, it } from 'vitest';
import { historyUrl, liveUrl, resolveConfig, statsUrl, streamEncoding } from '../src/config.js';

const page = 'http://dash.example:8080/index.html';

describe('resolveConfig', () => {
  it('defaults to same-origin /s1 and /s2, ws, 5m, 75/90', () => {
    const config = resolveConfig('', undefined, page);
    expect(config.systems.map((s) => s.base)).toEqual([
      'http://dash.example:8080/s1',
      'http://dash.example:8080/s2',
    ]);
    expect(config.systems.map((s) => s.expect)).toEqual(['http-redis', 'ws-memory']);
    expect(config).toMatchObject({
      transport: 'ws',
      encoding: 'json',
      range: '5m',
      thresholds: { warn: 75, critical: 90 },
      problems: [],
    });
  });

  it('takes query parameters over the runtime config', () => {
    const runtime = {
      s1: 'http://10.0.0.1:3001/',
      s2: '/api/two',
      transport: 'sse',
      thresholds: { warn: 50 },
    };
    const config = resolveConfig('?s1=http://127.0.0.1:3001&range=1h&crit=95', runtime, page);
    expect(config.systems.map((s) => s.base)).toEqual([
      'http://127.0.0.1:3001',
      'http://dash.example:8080/api/two',
    ]);
    expect(config).toMatchObject({ transport: 'sse', range: '1h', thresholds: { warn: 50, critical: 95 } });
  });

  it('reports refused settings and falls back to defaults', () => {
    const config = resolveConfig('?s2=ftp://x&transport=carrier-pigeon&range=2d&warn=101', {}, page);
    expect(config.systems[1].base).toBe('http://dash.example:8080/s2');
    expect(config.transport).toBe('ws');
    expect(config.range).toBe('5m');
    expect(config.thresholds.warn).toBe(75);
    expect(config.problems).toHaveLength(4);
    expect(config.problems[0]).toMatch(/^s2=ftp:\/\/x is not an http\(s\) URL/);
  });

  it('takes the encoding from the query or the runtime config, refusing others', () => {
    expect(resolveConfig('?encoding=msgpack', {}, page).encoding).toBe('msgpack');
    expect(resolveConfig('', { encoding: 'msgpack' }, page).encoding).toBe('msgpack');
    const refused = resolveConfig('?encoding=cbor', {}, page);
    expect(refused.encoding).toBe('json');
    expect(refused.problems).toEqual(['encoding=cbor is not json or msgpack; using json']);
  });

  it('streams JSON over SSE whatever encoding was asked for', () => {
    expect(streamEncoding('sse', 'msgpack')).toBe('json');
    expect(streamEncoding('ws', 'msgpack')).toBe('msgpack');
    expect(streamEncoding('ws', 'json')).toBe('json');
  });

  it('refuses warn above crit', () => {
    const config = resolveConfig('?warn=95&crit=80', {}, page);
    expect(config.thresholds).toEqual({ warn: 75, critical: 90 });
    expect(config.problems[0]).toMatch(/warn 95 is above crit 80/);
  });
});

describe('URLs', () => {
  it('derive the live, history and stats endpoints from a base', () => {
    expect(liveUrl('https://x.test/s1', 'ws')).toBe('wss://x.test/s1/live');
    expect(liveUrl('http://127.0.0.1:3003', 'ws')).toBe('ws://127.0.0.1:3003/live');
    expect(liveUrl('http://127.0.0.1:3003', 'sse')).toBe('http://127.0.0.1:3003/live/sse');
    expect(historyUrl('http://h/s2', '15m')).toBe('http://h/s2/api/history?range=15m');
    expect(statsUrl('http://h/s2')).toBe('http://h/s2/stats');
  });
});

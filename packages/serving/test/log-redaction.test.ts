// The ingest token never reaches a log line, however the query string is written.
import { describe, expect, it } from 'vitest';
import { redactTokenInUrl } from '../src/logger.js';

describe('redactTokenInUrl', () => {
  it.each([
    ['/ingest?token=s3cret', '/ingest?token=[redacted]'],
    ['/ingest?a=1&token=s3cret&b=2', '/ingest?a=1&token=[redacted]&b=2'],
    ['/ingest?TOKEN=s3cret', '/ingest?TOKEN=[redacted]'],
    ['/ingest?token=a&token=b', '/ingest?token=[redacted]&token=[redacted]'],
    ['/live/sse', '/live/sse'],
  ])('%s → %s', (url, expected) => {
    expect(redactTokenInUrl(url)).toBe(expected);
  });
});

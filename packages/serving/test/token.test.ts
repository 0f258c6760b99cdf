// The one token rule of both systems: `Bearer` in any case, then exactly the token; `?token=` only
// where a system allows it; no token configured means open.
import { describe, expect, it } from 'vitest';
import { tokenCheck } from '../src/index.js';

describe('tokenCheck', () => {
  const header = tokenCheck('s3cret-token');
  const headerOrQuery = tokenCheck('s3cret-token', { query: true });

  it.each([
    ['Bearer s3cret-token', true],
    ['bearer s3cret-token', true],
    ['BEARER  s3cret-token ', true],
    ['Bearers3cret-token', false],
    ['Bearer s3cret-tokenx', false],
    ['Bearer s3cret', false],
    ['Basic s3cret-token', false],
    ['Bearer', false],
    ['', false],
  ])('authorization %j → %s', (authorization, ok) => {
    expect(header({ authorization }, '/ingest')).toBe(ok);
    expect(headerOrQuery({ authorization }, '/ingest')).toBe(ok);
  });

  it('takes ?token= only where allowed', () => {
    expect(header({}, '/ingest?token=s3cret-token')).toBe(false);
    expect(headerOrQuery({}, '/ingest?token=s3cret-token')).toBe(true);
    expect(headerOrQuery({}, '/ingest?token=nope')).toBe(false);
    expect(headerOrQuery({}, '/ingest')).toBe(false);
  });

  it('lets everything through when no token is set', () => {
    expect(tokenCheck(null)({}, '/ingest')).toBe(true);
  });
});

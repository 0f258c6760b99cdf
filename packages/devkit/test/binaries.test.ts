// findBinary's order: the environment variable, then the given places, then PATH; null when absent.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findBinary } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'devkit-bin-'));
/** A file named `tool` in dir/<folder>, standing in for an installed program. */
function tool(folder: string): string {
  mkdirSync(join(dir, folder));
  writeFileSync(join(dir, folder, 'tool'), '');
  return join(dir, folder, 'tool');
}
const [fromEnv, fromPlace, onPath] = [tool('env'), tool('place'), tool('path')];
const savedPath = process.env.PATH;

afterEach(() => {
  process.env.PATH = savedPath;
  delete process.env.DEVKIT_TEST_TOOL_BIN;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findBinary', () => {
  it('prefers the environment variable, then the places, then PATH', () => {
    process.env.PATH = `${join(dir, 'missing')}:${join(dir, 'path')}`;
    process.env.DEVKIT_TEST_TOOL_BIN = fromEnv;
    const options = { envVar: 'DEVKIT_TEST_TOOL_BIN', places: [join(dir, 'nowhere', 'tool'), fromPlace] };
    expect(findBinary('tool', options)).toBe(fromEnv);
    delete process.env.DEVKIT_TEST_TOOL_BIN;
    expect(findBinary('tool', options)).toBe(fromPlace);
    expect(findBinary('tool')).toBe(onPath);
  });

  it('is null when the program is nowhere', () => {
    process.env.PATH = join(dir, 'missing');
    expect(findBinary('tool', { envVar: 'DEVKIT_TEST_TOOL_BIN', places: [join(dir, 'x')] })).toBeNull();
  });
});

// The CLI as a user runs it (tsx from source): --help, precise exit-2 errors for bad flags, a real
// run with a JSON summary, and Ctrl-C that drains and still prints the summary.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@ingestlab/devkit';
import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../src/index.js';
import { startHttp1Server, startWsServer } from './support/contract-servers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

interface Run {
  code: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

function cli(args: string[]): Run {
  const child = spawn(tsx, ['--conditions=source', 'src/cli.ts', ...args], {
    cwd: packageDir,
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout: () => out, stderr: () => err, kill: (signal) => child.kill(signal) };
}

describe('ingestlab-produce', () => {
  it('--help prints usage and exits 0', async () => {
    const run = cli(['--help']);
    expect(await run.code).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: ingestlab-produce/);
    expect(run.stdout()).toContain('--target <t>');
  });

  it('defaults http1 to 16 connections (one request in flight each) and other targets to 1', async () => {
    const { parseCli } = await import('../src/cli-args.js');
    const http1 = parseCli(['--target', 'http1']);
    const ws = parseCli(['--target', 'ws']);
    expect('load' in http1 && http1.load.connections).toBe(16);
    expect('load' in ws && ws.load.connections).toBe(1);
    const chosen = parseCli(['--target', 'http1', '--connections', '2']);
    expect('load' in chosen && chosen.load.connections).toBe(2);
  });

  it('accepts the "--" that `pnpm --filter @ingestlab/producers produce -- --help` passes through', async () => {
    const run = cli(['--', '--help']);
    expect(await run.code).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: ingestlab-produce/);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--hosts', 'ten'], '--hosts must be an integer from 1 to 10000000, got "ten"'],
    [['--hosts', '0'], '--hosts must be an integer from 1 to 10000000, got "0"'],
    [['--duration', '5x'], '--duration: "5x" is not a duration'],
    [['--rate', 'fast'], '--rate: "fast" is not a rate'],
    [['--target', 'h3'], '--target must be one of http1, h2c, h2, ws, got "h3"'],
    [['--batch', '1001'], '--batch must be an integer from 1 to 1000, got "1001"'],
    [['--target', 'h2', '--url', 'http://127.0.0.1:3002'], 'does not suit target h2'],
    [['--incidents', 'chaos'], '--incidents must be one of demo, none, got "chaos"'],
  ])('%j exits 2 with a precise message', async (args, message) => {
    const run = cli(args);
    expect(await run.code).toBe(2);
    expect(run.stderr()).toContain(message);
    expect(run.stdout()).toBe('');
  });

  it('runs against a server and prints a balanced JSON summary', async () => {
    const server = await startHttp1Server();
    try {
      const run = cli([
        '--target',
        'http1',
        '--url',
        server.url,
        '--hosts',
        '50',
        '--rate',
        '10/s',
        '--batch',
        '5',
        '--duration',
        '1s',
        '--seed',
        '3',
        '--json',
      ]);
      expect(await run.code).toBe(0);
      const summary = JSON.parse(run.stdout()) as LoadSummary;
      expect(summary.batches.sent).toBeGreaterThan(0);
      expect(summary.batches.acknowledged).toBe(summary.batches.sent);
      expect(server.state.accepted).toBe(summary.samples.acknowledged);
      expect(summary.producers[0]?.name).toBe('fleet-3-0-0');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('on SIGINT stops sending, drains and prints the summary', async () => {
    const server = await startWsServer();
    try {
      const run = cli([
        '--target',
        'ws',
        '--url',
        server.url,
        '--hosts',
        '100',
        '--rate',
        '10/s',
        '--duration',
        'inf',
        '--json',
      ]);
      await waitUntil(
        () => server.state.accepted > 50,
        30_000,
        () => `samples at the server (stderr: ${run.stderr()})`,
      );
      run.kill('SIGINT');
      expect(await run.code).toBe(0);
      expect(run.stderr()).toContain('SIGINT: stopped sending');
      const summary = JSON.parse(run.stdout()) as LoadSummary;
      expect(summary.stoppedBy).toBe('abort');
      expect(summary.batches.acknowledged).toBe(summary.batches.sent);
      expect(server.state.accepted).toBe(summary.samples.acknowledged);
    } finally {
      await server.close();
    }
  }, 60_000);
});

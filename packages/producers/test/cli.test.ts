// The CLI as a user runs it (tsx from source): --help, precise exit-2 errors for bad flags, a real
// run with a JSON summary, and Ctrl-C that drains and still prints the summary.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@ingestlab/devkit';
import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../src/index.js';
import { startHttp1Server, startWsServer } from './support/contract-servers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

function cli(args: string[]): Run {
  // node with tsx's loader, not the tsx command: that one SIGKILLs a child whose event loop does not
  // take a signal within ~60 ms, which a loaded machine makes a coin toss
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'src/cli.ts', ...args], {
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

  it('defaults to one connection per host on every target; --connections <n> pools them', async () => {
    const { parseCli } = await import('../src/cli-args.js');
    for (const target of ['http1', 'h2c', 'h2', 'ws']) {
      const config = parseCli(['--target', target]);
      expect(config.load.connections).toBe('per-host');
      expect(config.load.workers).toBe('auto');
    }
    expect(parseCli([]).load.encoding).toBe('json');
    expect(parseCli(['--target', 'ws', '--encoding', 'msgpack']).load.encoding).toBe('msgpack');
    expect(parseCli(['--connections', 'per-host']).load.connections).toBe('per-host');
    expect(parseCli(['--target', 'http1', '--connections', '2']).load.connections).toBe(2);
    expect(parseCli(['--workers', '2', '--max-backlog', '8', '--connect-rate', '500']).load).toMatchObject({
      workers: 2,
      maxBacklog: 8,
      connectRate: 500,
    });
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
    [['--encoding', 'cbor'], '--encoding must be one of json, msgpack, got "cbor"'],
    [['--batch', '1001'], '--batch must be an integer from 1 to 1000, got "1001"'],
    [['--target', 'h2', '--url', 'http://127.0.0.1:3002'], 'does not suit target h2'],
    [['--incidents', 'chaos'], '--incidents must be one of demo, none, got "chaos"'],
    [['--connections', 'many'], '--connections must be per-host or a whole number, got "many"'],
    [['--workers', 'lots'], '--workers must be an integer from 1 to 256, got "lots"'],
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
      // one producer and one connection per host, named after it
      expect(summary.connectionModel).toBe('per-host');
      expect(summary.producers.map((p) => p.name)).toContain('fleet-3-web-00000');
      expect(summary.producers).toHaveLength(50);
      expect(server.state.connections).toBe(50);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('marks an impossible rate GENERATOR-BOUND on the terminal and in the JSON summary', async () => {
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
        '100000/s',
        '--connections',
        '2',
        '--workers',
        '1',
        '--max-backlog',
        '32',
        '--duration',
        '2s',
        '--json',
      ]);
      await run.code;
      const summary = JSON.parse(run.stdout()) as LoadSummary;
      expect(summary.generator.bound).toBe(true);
      expect(run.stderr()).toContain('GENERATOR-BOUND:');
      expect(server.state.accepted).toBe(summary.samples.acknowledged);
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

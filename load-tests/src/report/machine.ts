// What machine the numbers came from: CPU model, cores, memory, OS, Node and Redis versions.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { findRedisServer } from '@ingestlab/devkit';
import type { MachineInfo } from '../compare/results.js';

export function machineInfo(): MachineInfo {
  let redis = 'not found';
  const binary = findRedisServer();
  if (binary) {
    try {
      const text = execFileSync(binary, ['--version'], { encoding: 'utf8' });
      redis = /v=(\S+)/.exec(text)?.[1] ?? text.trim();
    } catch {
      redis = 'unknown';
    }
  }
  let os = `Linux ${release()}`;
  try {
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) os = `${pretty} (kernel ${release()})`;
  } catch {
    // not Linux, or no os-release: the kernel release is enough
  }
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    redis,
    os,
    date: new Date().toISOString(),
    loadAverage: { start: round2(loadavg()[0] ?? 0) },
  };
}

export function currentLoad(): number {
  return round2(loadavg()[0] ?? 0);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

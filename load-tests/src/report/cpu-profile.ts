// Reads V8 .cpuprofile files (node --cpu-prof) and lists the functions with the most self time,
// so the report can say where a server's time goes.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CpuProfileSummary } from '../compare/results.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summariseProfile(
  file: string,
  processName: string,
  root: string,
  top = 12,
): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; location: string; us: number }>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    totalUs += delta;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const location = url ? `${shorten(url, root)}:${lineNumber + 1}` : '';
    const key = `${name}@${location}`;
    const entry = self.get(key) ?? { name, location, us: 0 };
    entry.us += delta;
    self.set(key, entry);
  });
  const list = [...self.values()].sort((a, b) => b.us - a.us).slice(0, top);
  return {
    process: processName,
    file: relative(root, file),
    totalMs: Math.round(totalUs / 1000),
    top: list.map((e) => ({
      name: e.name,
      location: e.location,
      selfMs: Math.round(e.us / 1000),
      selfPercent: totalUs ? Math.round((1000 * e.us) / totalUs) / 10 : 0,
    })),
  };
}

function shorten(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const pnpm = path.indexOf('/node_modules/.pnpm/');
  if (pnpm >= 0) {
    const rest = path.slice(pnpm + '/node_modules/.pnpm/'.length);
    const inner = rest.indexOf('/node_modules/');
    return inner >= 0 ? rest.slice(inner + '/node_modules/'.length) : rest;
  }
  return path.startsWith(root) ? relative(root, path) : path;
}

/** Summaries of every profile in dir, named through pid -> process name (file names carry the pid). */
export function summariseProfiles(
  dir: string,
  pids: Record<string, number>,
  root: string,
): CpuProfileSummary[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  const names = new Map(Object.entries(pids).map(([name, pid]) => [pid, name]));
  return files
    .map((f) => {
      const pid = Number(/\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(f)?.[1]);
      return summariseProfile(join(dir, f), names.get(pid) ?? `pid ${pid}`, root);
    })
    .sort((a, b) => a.process.localeCompare(b.process));
}

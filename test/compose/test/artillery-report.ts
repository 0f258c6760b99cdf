// One line per Artillery run for the test's log: requests and their answers, the latency the
// scenario's thresholds judge (HTTP response time, ack latency, window delay), and the checks.
import { existsSync, readFileSync } from 'node:fs';

interface Summary {
  p50: number;
  p99: number;
  count: number;
}

interface Report {
  aggregate: { counters?: Record<string, number>; summaries?: Record<string, Summary> };
}

const LATENCIES = ['http.response_time', 'ingest.ack_latency', 'viewer.window_delay'];

/** "requests 2250 (202: 2250), http.response_time p50 12 p99 80 ms" from a report.json. */
export function artilleryLine(file: string): string {
  if (!existsSync(file)) return 'no report';
  const { counters = {}, summaries = {} } = (JSON.parse(readFileSync(file, 'utf8')) as Report).aggregate;
  const parts: string[] = [];
  const codes = Object.entries(counters)
    .filter(([name]) => name.startsWith('http.codes.'))
    .map(([name, n]) => `${name.slice('http.codes.'.length)}: ${n}`);
  if (counters['http.requests'] !== undefined)
    parts.push(`requests ${counters['http.requests']} (${codes.join(', ')})`);
  if (counters['ingest.samples_acked'] !== undefined)
    parts.push(`samples acked ${counters['ingest.samples_acked']}`);
  if (counters['vusers.failed']) parts.push(`vusers failed ${counters['vusers.failed']}`);
  for (const name of LATENCIES) {
    const summary = summaries[name];
    if (summary)
      parts.push(
        `${name} p50 ${Math.round(summary.p50)} p99 ${Math.round(summary.p99)} ms (n ${summary.count})`,
      );
  }
  return parts.join(', ');
}

/** The "ok:" / "fail:" lines Artillery printed for its ensure checks. */
export function checksIn(output: string): string {
  return output
    .split('\n')
    .filter((line) => /^(ok|fail):/.test(line.trim()))
    .join('\n');
}

/**
 * The failed checks that judge correctness, not speed: a latency threshold (`...response_time...`,
 * `...latency...`) missed on two shared cores is a figure for a benchmark, not a test failure.
 */
export function correctnessFailures(output: string): string[] {
  return checksIn(output)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('fail:') && !/response_time|latency|delay/.test(line));
}

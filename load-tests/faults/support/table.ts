// The suite's measured table: each case records one row (a JSON file, since vitest runs files in
// separate processes), and the global teardown prints them all and writes .reports/faults-table.md.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROWS_DIR = fileURLToPath(new URL('../../.reports/fault-rows/', import.meta.url));
export const TABLE_FILE = fileURLToPath(new URL('../../.reports/faults-table.md', import.meta.url));

export interface FaultRow {
  system: 'System 1' | 'System 2' | 'both';
  case: string;
  /** Samples the producers sent (first attempts), plus any a raw client sent. */
  offered: number;
  /** Samples the producers saw acknowledged. */
  acked: number;
  /** Samples that reached the aggregate (from /stats, or seen in published windows where stated). */
  aggregated: number;
  /** Acknowledged samples that never reached the aggregate. */
  lost: number;
  /** Samples counted more than once. */
  duplicated: number;
  /** From the fault (or its repair, where stated) until the system took data again; null when not applicable. */
  recoveryMs: number | null;
  /** What the figures mean for this case (how lost was measured, what the server showed). */
  note: string;
}

export function recordRow(row: FaultRow): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  const slug = `${row.system}-${row.case}`.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
  writeFileSync(join(ROWS_DIR, `${Date.now()}-${slug}.json`), JSON.stringify(row));
  console.log(`fault row: ${formatTable([row])}`);
}

export function readRows(): FaultRow[] {
  let files: string[] = [];
  try {
    files = readdirSync(ROWS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().map((f) => JSON.parse(readFileSync(join(ROWS_DIR, f), 'utf8')) as FaultRow);
}

const HEADER = ['system', 'case', 'offered', 'acked', 'aggregated', 'lost', 'duplicated', 'recovery', 'note'];

export function formatTable(rows: readonly FaultRow[]): string {
  const lines = rows.map((r) => [
    r.system,
    r.case,
    String(r.offered),
    String(r.acked),
    String(r.aggregated),
    String(r.lost),
    String(r.duplicated),
    r.recoveryMs === null ? '—' : `${(r.recoveryMs / 1000).toFixed(2)} s`,
    r.note,
  ]);
  const all = [HEADER, ...lines];
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map((_h, i) => (i >= 2 && i <= 7 ? '---:' : '---')).join(' | ')} |`,
    ...all.slice(1).map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

export function writeTable(rows: readonly FaultRow[]): string {
  const text = `${formatTable(rows)}\n`;
  mkdirSync(join(TABLE_FILE, '..'), { recursive: true });
  writeFileSync(TABLE_FILE, text);
  return text;
}

// vitest global setup of the fault suite: starts with an empty row set, and at the end prints the
// measured table of every case that ran (and writes it to .reports/faults-table.md).
import { rmSync } from 'node:fs';
import { ROWS_DIR, TABLE_FILE, readRows, writeTable } from './table.js';

export function setup(): void {
  rmSync(ROWS_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  const rows = readRows();
  if (rows.length === 0) return;
  const table = writeTable(rows);
  console.log(`\nFault-injection suite: measured table (also in ${TABLE_FILE})\n\n${table}`);
}

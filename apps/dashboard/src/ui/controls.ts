// The top bar: range selector, pause/resume, transport switch and CSV export. It only reports
// choices; main.ts decides what they do.
import { HISTORY_RANGES, type HistoryRange } from '@ingestlab/metric-schema';
import type { Transport } from '../config.js';
import { el } from './dom.js';

export interface ControlHandlers {
  onRange(range: HistoryRange): void;
  onPause(paused: boolean): void;
  onTransport(transport: Transport): void;
  onExport(): void;
}

export function renderControls(
  parent: HTMLElement,
  initial: { range: HistoryRange; transport: Transport },
  handlers: ControlHandlers,
): void {
  const group = (label: string, testid: string) =>
    el('div', { class: 'segmented', testid, title: label }, el('span', { class: 'seg-label', text: label }));

  const ranges = group('range', 'range');
  for (const range of Object.keys(HISTORY_RANGES) as HistoryRange[]) {
    const button = el('button', { text: range, testid: `range-${range}` });
    button.setAttribute('aria-pressed', String(range === initial.range));
    button.addEventListener('click', () => {
      for (const b of ranges.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === button));
      handlers.onRange(range);
    });
    ranges.append(button);
  }

  const transports = group('transport', 'transport');
  for (const [transport, text] of [
    ['ws', 'WebSocket'],
    ['sse', 'SSE'],
  ] as const) {
    const button = el('button', { text, testid: `transport-${transport}` });
    button.setAttribute('aria-pressed', String(transport === initial.transport));
    button.addEventListener('click', () => {
      for (const b of transports.querySelectorAll('button'))
        b.setAttribute('aria-pressed', String(b === button));
      handlers.onTransport(transport);
    });
    transports.append(button);
  }

  let paused = false;
  const pause = el('button', { class: 'action', text: 'Pause', testid: 'pause' });
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    document.body.classList.toggle('paused', paused);
    handlers.onPause(paused);
  });

  const exportButton = el('button', { class: 'action', text: 'Export CSV', testid: 'export-csv' });
  exportButton.addEventListener('click', () => handlers.onExport());

  parent.append(ranges, transports, pause, exportButton);
}

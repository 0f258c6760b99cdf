// The top bar: range selector, pause/resume, transport and encoding switches and CSV export. It only
// reports choices; main.ts decides what they do.
import { HISTORY_RANGES, type HistoryRange } from '@ingestlab/metric-schema';
import { type Encoding, streamEncoding, type Transport } from '../config.js';
import { el } from './dom.js';

export interface ControlHandlers {
  onRange(range: HistoryRange): void;
  onPause(paused: boolean): void;
  onTransport(transport: Transport): void;
  /** The encoding the live WebSocket should ask for (only offered with the WebSocket transport). */
  onEncoding(encoding: Encoding): void;
  onExport(): void;
}

export function renderControls(
  parent: HTMLElement,
  initial: { range: HistoryRange; transport: Transport; encoding: Encoding },
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

  let transport = initial.transport;
  let encoding = initial.encoding;
  const transports = group('transport', 'transport');
  for (const [choice, text] of [
    ['ws', 'WebSocket'],
    ['sse', 'SSE'],
  ] as const) {
    const button = el('button', { text, testid: `transport-${choice}` });
    button.setAttribute('aria-pressed', String(choice === initial.transport));
    button.addEventListener('click', () => {
      for (const b of transports.querySelectorAll('button'))
        b.setAttribute('aria-pressed', String(b === button));
      transport = choice;
      syncEncodings();
      handlers.onTransport(choice);
    });
    transports.append(button);
  }

  // JSON or MessagePack frames on the WebSocket. SSE is text only: there the switch shows JSON and
  // the MessagePack button is disabled (the choice comes back with the WebSocket).
  const encodings = group('encoding', 'encoding');
  const encodingButtons = (
    [
      ['json', 'JSON'],
      ['msgpack', 'MsgPack'],
    ] as const
  ).map(([choice, text]) => {
    const button = el('button', { text, testid: `encoding-${choice}` });
    button.addEventListener('click', () => {
      encoding = choice;
      syncEncodings();
      handlers.onEncoding(choice);
    });
    encodings.append(button);
    return { choice, button };
  });
  const syncEncodings = () => {
    const shown = streamEncoding(transport, encoding);
    for (const { choice, button } of encodingButtons) {
      button.setAttribute('aria-pressed', String(choice === shown));
      const unavailable = choice === 'msgpack' && transport === 'sse';
      button.disabled = unavailable;
      button.title = unavailable
        ? 'SSE is text only (JSON): choose WebSocket for MessagePack'
        : choice === 'msgpack'
          ? 'window frames as binary MessagePack (WebSocket subprotocol ingestlab.msgpack)'
          : 'window frames as JSON text';
    }
  };
  syncEncodings();

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

  parent.append(ranges, transports, encodings, pause, exportButton);
}

// One system's live scoreboard, in its column: what the producers saw, what the system took and
// published, what is still in flight, and what was lost (≈ while load runs, exact once drained),
// with what each fault cost. Every figure carries data-value for tests and curious consoles.
import type { LabScoreboard } from '@ingestlab/metric-schema';
import { el, setText } from '../ui/dom.js';
import { formatCount, formatMs } from '../ui/format.js';

const CELLS: { key: string; label: string; title: string }[] = [
  { key: 'sent', label: 'sent', title: 'producers: samples sent (first attempts)' },
  { key: 'acknowledged', label: 'acked', title: 'producers: samples the system acknowledged' },
  { key: 'refused', label: 'refused', title: 'producers: samples refused for good' },
  { key: 'retried', label: 'retried', title: 'producers: extra attempts (retries)' },
  {
    key: 'missed',
    label: 'missed',
    title: 'producers: samples due but never sent (the producer was held back)',
  },
  { key: 'failed', label: 'failed', title: 'producers: samples given up after their last retry' },
  { key: 'accepted', label: 'accepted', title: 'system: samples taken in (/stats, summed over restarts)' },
  { key: 'aggregated', label: 'aggregated', title: 'system: samples in the windows it published' },
  {
    key: 'in-flight',
    label: 'in flight',
    title: 'acknowledged, not yet in a published window (queue, open window)',
  },
  {
    key: 'lost',
    label: 'lost',
    title:
      'acknowledged and never aggregated: ≈ measured at a window boundary while load runs, exact once drained',
  },
  { key: 'ack-p99', label: 'ack p99', title: 'ack latency p99 of the lab’s probe host, last 10 s' },
  {
    key: 'delivery-p99',
    label: 'delivery p99',
    title: 'a window’s end to its arrival at a viewer, p99, last 10 s',
  },
];

export class ScoreboardView {
  readonly #cells: Record<string, HTMLElement> = {};
  readonly #faults: HTMLElement;

  constructor(parent: HTMLElement, id: string) {
    const grid = el('div', { class: 'scoreboard', testid: `${id}-scoreboard` });
    for (const cell of CELLS) {
      const value = el('span', { class: 'score-value', testid: `${id}-score-${cell.key}`, text: '—' });
      grid.append(
        el(
          'div',
          { class: `score score-${cell.key}`, title: cell.title },
          value,
          el('span', { class: 'score-label', text: cell.label }),
        ),
      );
      this.#cells[cell.key] = value;
    }
    this.#faults = el('div', { class: 'score-faults', testid: `${id}-score-faults` });
    parent.append(el('div', { class: 'scoreboard-box' }, grid, this.#faults));
  }

  render(score: LabScoreboard): void {
    const set = (key: string, value: number | null, text?: string) => {
      const node = this.#cells[key];
      if (!node) return;
      setText(node, text ?? formatCount(value));
      node.dataset.value = value === null ? '' : String(value);
    };
    set('sent', score.producers.sent);
    set('acknowledged', score.producers.acknowledged);
    set('refused', score.producers.refused);
    set('retried', score.producers.retried);
    set('missed', score.producers.missed);
    set('failed', score.producers.failed);
    set('accepted', score.system.accepted);
    set('aggregated', score.system.aggregated);
    set('in-flight', score.inFlight);
    set(
      'lost',
      score.lost,
      score.lost === null
        ? 'after the queue drains'
        : `${score.drained ? '' : '≈'}${formatCount(score.lost)}`,
    );
    const lost = this.#cells.lost;
    if (lost) {
      lost.dataset.drained = String(score.drained);
      lost.dataset.level = score.lost === null ? '' : score.lost === 0 ? 'ok' : 'crit';
    }
    set('ack-p99', score.ackP99Ms, formatMs(score.ackP99Ms));
    set('delivery-p99', score.deliveryP99Ms, formatMs(score.deliveryP99Ms));
    const faults = score.faults.slice(-3).map((fault) => {
      const line = el('div', {
        class: 'score-fault',
        text: `${fault.label}: ${
          fault.settled
            ? `≈${formatCount(fault.lost)} acknowledged samples lost${fault.held === undefined ? '' : ` (it held ${formatCount(fault.held)} unpublished)`}`
            : 'measuring…'
        }`,
      });
      line.dataset.settled = String(fault.settled);
      line.dataset.lost = fault.lost === null ? '' : String(fault.lost);
      return line;
    });
    this.#faults.replaceChildren(...faults);
  }
}

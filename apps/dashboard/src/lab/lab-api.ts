// The page's side of the lab's control API: the same GET /api/lab/state and POST /api/lab/actions
// the CLI uses, with the token as a bearer header. A refusal comes back with the lab's reason.
import type { LabAction, LabState } from '@ingestlab/metric-schema';

export type ActionAnswer =
  | { ok: true; id: string; label: string }
  | { ok: false; status: number; reason: string };

export interface ShippedScenario {
  name: string;
  title: string;
  about: string;
  steps: number;
  yaml: string;
}

export class LabApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  #headers(json = false): HeadersInit {
    return { authorization: `Bearer ${this.token}`, ...(json ? { 'content-type': 'application/json' } : {}) };
  }

  /** The state, or the HTTP status when the lab refused (401) or is not there (404). */
  async state(signal?: AbortSignal): Promise<{ ok: true; state: LabState } | { ok: false; status: number }> {
    const response = await fetch(`${this.base}/api/lab/state`, {
      headers: this.#headers(),
      cache: 'no-store',
      signal,
    });
    if (!response.ok) {
      await response.arrayBuffer();
      return { ok: false, status: response.status };
    }
    return { ok: true, state: (await response.json()) as LabState };
  }

  async act(action: LabAction): Promise<ActionAnswer> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/lab/actions`, {
        method: 'POST',
        headers: this.#headers(true),
        body: JSON.stringify(action),
      });
    } catch (error) {
      return { ok: false, status: 0, reason: `the lab did not answer: ${(error as Error).message}` };
    }
    const body = (await response.json().catch(() => ({}))) as { id?: string; label?: string; error?: string };
    if (response.status === 202) return { ok: true, id: body.id ?? '', label: body.label ?? '' };
    const retry = response.headers.get('retry-after');
    const reason = `${body.error ?? `answered ${response.status}`}${retry ? ` (try again in ${retry} s)` : ''}`;
    return { ok: false, status: response.status, reason };
  }

  async scenarios(): Promise<ShippedScenario[]> {
    const response = await fetch(`${this.base}/api/lab/scenarios`, {
      headers: this.#headers(),
      cache: 'no-store',
    });
    if (!response.ok) return [];
    return ((await response.json()) as { scenarios: ShippedScenario[] }).scenarios;
  }
}

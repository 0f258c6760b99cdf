// The page's boundary for dashboard frames: JSON, then the contract schema, then the protocol
// version. Every refusal carries a reason a person can read on screen.
import {
  type DashboardFrame,
  PROTOCOL_VERSION,
  parseJson,
  validateDashboardFrame,
} from '@ingestlab/metric-schema';

export type ParsedFrame = { ok: true; frame: DashboardFrame } | { ok: false; error: string; fatal: boolean };

const KNOWN_TYPES = new Set(['hello', 'snapshot', 'window', 'heartbeat']);

/**
 * Parses one frame's text. `fatal` marks errors after which the stream cannot be trusted at all
 * (a protocol this page does not speak); the others spoil only that frame.
 */
export function parseFrame(text: string): ParsedFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, error: `frame is not JSON: ${truncate(text)}`, fatal: false };
  const value = parsed.value;
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || !KNOWN_TYPES.has(type)) {
    return { ok: false, error: `unknown frame type ${JSON.stringify(type ?? null)}`, fatal: false };
  }
  if (type === 'hello') {
    const protocol = (value as { protocol?: unknown }).protocol;
    if (protocol !== PROTOCOL_VERSION) {
      return {
        ok: false,
        error: `server speaks protocol ${JSON.stringify(protocol ?? null)}, this page speaks ${PROTOCOL_VERSION}`,
        fatal: true,
      };
    }
  }
  const valid = validateDashboardFrame(value);
  if (!valid.ok) return { ok: false, error: `${type} frame refused: ${valid.error}`, fatal: false };
  return { ok: true, frame: valid.value };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

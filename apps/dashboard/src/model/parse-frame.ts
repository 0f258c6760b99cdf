// The page's boundary for dashboard frames: decoding (JSON text or MessagePack bytes), then the
// contract schema, then the protocol version. Every refusal carries a reason a person can read on
// screen. Decoding and checking are separate steps so the page can time the decoding alone.
import {
  type DashboardFrame,
  decodeMsgpack,
  PROTOCOL_VERSION,
  parseJson,
  validateDashboardFrame,
} from '@ingestlab/metric-schema';

export type ParsedFrame = { ok: true; frame: DashboardFrame } | { ok: false; error: string; fatal: boolean };
/** A frame's bytes or text turned into a value, not yet checked against the contract. */
export type DecodedFrame = { ok: true; value: unknown } | { ok: false; error: string };

const KNOWN_TYPES = new Set(['hello', 'snapshot', 'window', 'heartbeat']);

/** JSON text (a WebSocket text frame or an SSE event) into a value. */
export function decodeFrameText(text: string): DecodedFrame {
  const parsed = parseJson(text);
  if (!parsed.ok) return { ok: false, error: `frame is not JSON: ${truncate(text)}` };
  return parsed;
}

/**
 * MessagePack bytes (a binary WebSocket frame on `ingestlab.msgpack`) into a value: the contract's
 * decoder (msgpackr in standard mode, maps as objects, no records), behind its structure guard.
 */
export function decodeFrameBytes(bytes: Uint8Array): DecodedFrame {
  const decoded = decodeMsgpack(bytes);
  if (!decoded.ok) return { ok: false, error: `binary frame refused: ${decoded.error}` };
  return decoded;
}

/**
 * Parses one frame's text. `fatal` marks errors after which the stream cannot be trusted at all
 * (a protocol this page does not speak); the others spoil only that frame.
 */
export function parseFrame(text: string): ParsedFrame {
  return checkFrame(decodeFrameText(text));
}

/** Checks a decoded frame against the contract, whichever encoding it came in. */
export function checkFrame(decoded: DecodedFrame): ParsedFrame {
  if (!decoded.ok) return { ok: false, error: decoded.error, fatal: false };
  const value = decoded.value;
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

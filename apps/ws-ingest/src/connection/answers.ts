// Ack and nack frames as strings built by concatenation: the hot path sends one per batch, and
// this avoids an object plus JSON.stringify for each ack.
import type { ErrorDetail, NackFrame } from '@ingestlab/metric-schema';

export function ackText(seq: number, accepted: number, duplicate: boolean): string {
  return `{"type":"ack","seq":${seq},"accepted":${accepted},"duplicate":${duplicate}}`;
}

export function nackText(
  seq: number | null,
  error: string,
  details?: ErrorDetail[],
  retryAfterMs?: number,
): string {
  const frame: NackFrame = { type: 'nack', seq, error };
  if (details && details.length > 0) frame.details = details;
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  return JSON.stringify(frame);
}

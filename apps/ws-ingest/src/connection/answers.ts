// Every frame the ingest socket sends: acks and nacks, and on end-to-end connections acks with their
// window and commit frames. Strings built by concatenation: the hot path sends one per batch, and
// this avoids an object plus JSON.stringify for each ack. On a MessagePack socket acks and nacks go out
// as MessagePack (the ack from fixed byte parts, see @ingestlab/metric-schema's ackMsgpack).
import { type ErrorDetail, encodeMsgpack, type NackFrame } from '@ingestlab/metric-schema';

export function ackText(seq: number, accepted: number, duplicate: boolean): string {
  return `{"type":"ack","seq":${seq},"accepted":${accepted},"duplicate":${duplicate}}`;
}

/** An end-to-end ack: the classic fields, then the end of the window the batch is in. */
export function ackWindowText(seq: number, accepted: number, duplicate: boolean, windowEnd: number): string {
  return `{"type":"ack","seq":${seq},"accepted":${accepted},"duplicate":${duplicate},"windowEnd":${windowEnd}}`;
}

/** Batches acknowledged by life `epoch` into windows ending at or before `upTo` are published. */
export function commitText(epoch: number, upTo: number | null): string {
  return `{"type":"commit","epoch":${epoch},"upTo":${upTo}}`;
}

export function nackFrame(
  seq: number | null,
  error: string,
  details?: ErrorDetail[],
  retryAfterMs?: number,
): NackFrame {
  const frame: NackFrame = { type: 'nack', seq, error };
  if (details && details.length > 0) frame.details = details;
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  return frame;
}

export function nackText(
  seq: number | null,
  error: string,
  details?: ErrorDetail[],
  retryAfterMs?: number,
): string {
  return JSON.stringify(nackFrame(seq, error, details, retryAfterMs));
}

export function nackMsgpack(
  seq: number | null,
  error: string,
  details?: ErrorDetail[],
  retryAfterMs?: number,
): Uint8Array {
  return encodeMsgpack(nackFrame(seq, error, details, retryAfterMs));
}

// The load driver's two body encodings behind one shape, so the scheduler builds JSON or MessagePack
// batches the same cheap way (cached per-host parts copied into pooled slabs).
import type { Encoding } from '@ingestlab/metric-schema';
import type { Fleet } from './fleet.js';
import {
  MsgpackSampleEncoder,
  msgpackBatchBody,
  msgpackBatchHead,
  msgpackSampleEnd,
} from './msgpack-sample-encoder.js';
import { type BodyPool, SampleEncoder, batchBody, batchHead, sampleEnd } from './sample-encoder.js';

export interface BodyFormat {
  readonly encoding: Encoding;
  /** Per-host cached sample parts for hosts `first` to `first + count - 1`. */
  encoder(fleet: Fleet, first: number, count: number): { part(host: number, ts: number): Buffer };
  /** The start of every batch of one producer. */
  batchHead(producer: string): Buffer;
  /** What follows a cached part for a sample taken at `ts`. */
  sampleEnd(ts: number): Buffer;
  /** One batch body, cut from the pool. */
  batchBody(
    head: Buffer,
    seq: number,
    parts: readonly Buffer[],
    ends: readonly Buffer[],
    count: number,
    pool: Pick<BodyPool, 'take'>,
  ): ReturnType<BodyPool['take']>;
}

export const BODY_FORMATS: Record<Encoding, BodyFormat> = {
  json: {
    encoding: 'json',
    encoder: (fleet, first, count) => new SampleEncoder(fleet, first, count),
    batchHead,
    sampleEnd,
    batchBody,
  },
  msgpack: {
    encoding: 'msgpack',
    encoder: (fleet, first, count) => new MsgpackSampleEncoder(fleet, first, count),
    batchHead: msgpackBatchHead,
    sampleEnd: msgpackSampleEnd,
    batchBody: msgpackBatchBody,
  },
};

// End-to-end acknowledgements on System 2's ingest socket (opted into per connection with
// `/ingest?commit=1`): the frames beyond ack and nack that let a producer keep each acknowledged batch
// until the window holding it is published, and send it again after a server crash without it being
// lost or counted twice. Classic connections never see these frames.
import { type Static, Type } from '@sinclair/typebox';

/** Window end (epoch ms), or null when the server has no durable watermark yet. */
const WindowEnd = Type.Integer({ minimum: 0 });

/**
 * Server → producer. Every batch acknowledged on a connection of server life `epoch` into a window
 * ending at or before `upTo` is published (its window is in the history and went out to the
 * dashboards). Sent first on every end-to-end connection (the current watermark, `upTo` null when
 * there is none yet), then after each publication that covers batches the connection acknowledged.
 */
export const CommitFrameSchema = Type.Object(
  {
    type: Type.Literal('commit'),
    /** The server life that wrote the watermark (changes at every start). */
    epoch: Type.Integer({ minimum: 0 }),
    upTo: Type.Union([WindowEnd, Type.Null()]),
  },
  { $id: 'CommitFrame', additionalProperties: false },
);
export type CommitFrame = Static<typeof CommitFrameSchema>;

/**
 * Producer → server, just before sending a batch again that was acknowledged before: the ack it got
 * named this server life (`epoch`, from that connection's first commit frame) and window end. The
 * server compares them with its durable watermark: published → acknowledged as a duplicate, not
 * counted; lost with a crashed life's open window → folded again, once. It applies to the next
 * batch frame only and is not answered itself. A batch whose ack never arrived is sent plain.
 */
export const ReplayFrameSchema = Type.Object(
  {
    type: Type.Literal('replay'),
    epoch: Type.Integer({ minimum: 0 }),
    windowEnd: WindowEnd,
  },
  { $id: 'ReplayFrame', additionalProperties: false },
);
export type ReplayFrame = Static<typeof ReplayFrameSchema>;

/** The query parameter that opts an ingest connection into end-to-end acknowledgements. */
export const END_TO_END_PARAM = 'commit';

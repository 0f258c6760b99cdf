// How a peer and a system agree on JSON or MessagePack. JSON is the default everywhere; MessagePack is
// asked for: a WebSocket subprotocol on System 2's /ingest and on both systems' /live, a content type
// on System 1's POST /ingest. SSE stays JSON (it is a text stream).

export const ENCODINGS = ['json', 'msgpack'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Subprotocol names a WebSocket client may offer (`Sec-WebSocket-Protocol`). */
export const SUBPROTOCOLS = { json: 'ingestlab.json', msgpack: 'ingestlab.msgpack' } as const;

/** Content types System 1's POST /ingest takes for a MessagePack body (the first is the one to send). */
export const MSGPACK_CONTENT_TYPES = ['application/vnd.msgpack', 'application/msgpack'] as const;

/**
 * The subprotocol a server picks from those a client offered: MessagePack when offered, then JSON by
 * name; false (no subprotocol: the handshake fails, as RFC 6455 asks) when it offered only names it
 * does not know. A client that offers none gets JSON without a subprotocol.
 */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  if (offered.has(SUBPROTOCOLS.msgpack)) return SUBPROTOCOLS.msgpack;
  if (offered.has(SUBPROTOCOLS.json)) return SUBPROTOCOLS.json;
  return false;
}

/** The encoding a socket speaks, from the subprotocol its handshake settled on ('' when none). */
export function encodingOfSubprotocol(protocol: string): Encoding {
  return protocol === SUBPROTOCOLS.msgpack ? 'msgpack' : 'json';
}

// A guard run over untrusted MessagePack before any general decoder sees it: one pass over the bytes,
// no allocation, refusing what a decoder would pay dearly for or should never be asked to build.
// General decoders (msgpackr included) cannot switch these off: extension types (msgpackr turns them
// into RegExps, Sets, Errors, typed arrays, or record definitions it compiles into functions), nesting
// (each level is a recursive call or a stack entry: 1 MiB of nested arrays took @msgpack/msgpack
// 0.35 s and 150 MB here), lengths that promise more than the bytes hold, and integers a JavaScript
// number cannot hold exactly.

/** How deep a value may nest (a batch needs 3: batch, samples, sample). */
export const MSGPACK_MAX_DEPTH = 8;

/** The reason the bytes are refused, or undefined when they are one well-formed value we accept. */
export function checkMsgpackStructure(
  bytes: Uint8Array,
  maxDepth: number = MSGPACK_MAX_DEPTH,
): string | undefined {
  const end = bytes.length;
  if (end === 0) return 'empty MessagePack body';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // remaining[d]: items still to read at depth d (a map counts keys and values); keyed[d]: d is a map
  const remaining = new Array<number>(maxDepth + 1);
  const keyed = new Array<boolean>(maxDepth + 1);
  remaining[0] = 1;
  keyed[0] = false;
  let depth = 0;
  let pos = 0;
  while (depth >= 0) {
    if (remaining[depth] === 0) {
      depth--;
      continue;
    }
    const isKey = keyed[depth] === true && (remaining[depth] as number) % 2 === 0;
    remaining[depth] = (remaining[depth] as number) - 1;
    if (pos >= end) return `MessagePack ends early, at byte ${pos}`;
    const token = bytes[pos++] as number;
    let items = -1; // > -1: a container with this many items
    let map = false;
    let skip = 0; // bytes of payload after the header
    let isString = false;
    if (token < 0x80 || token >= 0xe0) {
      // fixint
    } else if (token < 0x90) {
      items = (token - 0x80) * 2;
      map = true;
    } else if (token < 0xa0) {
      items = token - 0x90;
    } else if (token < 0xc0) {
      skip = token - 0xa0;
      isString = true;
    } else {
      const left = end - pos;
      const need = HEADER_BYTES[token - 0xc0] as number;
      if (need > left) return `MessagePack ends early, at byte ${end}`;
      switch (token) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc1:
          return `byte 0xc1 at ${pos - 1} is never used in MessagePack`;
        case 0xc4:
          skip = bytes[pos] as number;
          break;
        case 0xc5:
          skip = view.getUint16(pos);
          break;
        case 0xc6:
          skip = view.getUint32(pos);
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9:
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          const type = bytes[pos + (EXT_TYPE_OFFSET[token - 0xc7] ?? 0)] as number;
          return `MessagePack extension types are not accepted (type ${type > 127 ? type - 256 : type} at byte ${pos - 1})`;
        }
        case 0xca:
        case 0xcb:
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xd0:
        case 0xd1:
        case 0xd2:
          break;
        case 0xcf:
          if (view.getUint32(pos) >= 0x200000)
            return `integer at byte ${pos - 1} is larger than 2^53, beyond what a number holds exactly`;
          break;
        case 0xd3: {
          const high = view.getInt32(pos);
          if (high >= 0x200000 || high < -0x200000)
            return `integer at byte ${pos - 1} is beyond ±2^53, beyond what a number holds exactly`;
          break;
        }
        case 0xd9:
          skip = bytes[pos] as number;
          isString = true;
          break;
        case 0xda:
          skip = view.getUint16(pos);
          isString = true;
          break;
        case 0xdb:
          skip = view.getUint32(pos);
          isString = true;
          break;
        case 0xdc:
          items = view.getUint16(pos);
          break;
        case 0xdd:
          items = view.getUint32(pos);
          break;
        case 0xde:
          items = view.getUint16(pos) * 2;
          map = true;
          break;
        case 0xdf:
          items = view.getUint32(pos) * 2;
          map = true;
          break;
      }
      pos += need;
    }
    if (isKey && !isString) return `map key at byte ${pos - 1} is not a string`;
    if (skip > 0) {
      if (skip > end - pos)
        return `length ${skip} at byte ${pos - 1} runs past the end (${end - pos} bytes left)`;
      if (isKey && skip === 9 && isProtoKey(bytes, pos)) return 'map key __proto__ is not accepted';
      pos += skip;
    }
    if (items > 0) {
      // every item takes at least one byte: a length that promises more is refused before any work
      if (items > end - pos) return `container of ${items} items at byte ${pos - 1} runs past the end`;
      if (depth === maxDepth) return `MessagePack nests deeper than ${maxDepth} levels`;
      depth++;
      remaining[depth] = items;
      keyed[depth] = map;
    }
  }
  if (pos !== end) return `${end - pos} bytes follow the MessagePack value`;
  return undefined;
}

/** Bytes after the token that its header or fixed-size payload takes, for tokens 0xc0–0xdf. */
const HEADER_BYTES = [
  0, 0, 0, 0, 1, 2, 4, 2, 3, 5, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 2, 3, 5, 9, 17, 1, 2, 4, 2, 4, 2, 4,
];
/** Where an extension's type byte sits after its token: ext 8/16/32 first give a length (0xc7–0xc9). */
const EXT_TYPE_OFFSET = [1, 2, 4];

const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];
function isProtoKey(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 9; i++) if (bytes[at + i] !== PROTO[i]) return false;
  return true;
}

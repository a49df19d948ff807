/**
 * WhatsApp Web framing over WebSocket messages (Baileys rc14 lib/Utils/noise-handler.js
 * `encodeFrame`/`decodeFrame`, lib/Defaults `NOISE_WA_HEADER`):
 *
 * - The client's first bytes are an intro header: `"WA" 0x06 0x03` (4 bytes; 3 = dictionary version),
 *   or, when the client has routing info, `"ED" 0x00 0x01 len(3 bytes BE) routingInfo` followed by
 *   the same 4 bytes.
 * - Then frames: a 3-byte big-endian length and that many bytes. Frames and WebSocket messages are
 *   independent: one message may hold several frames or a part of one.
 * - The server sends frames with no intro header.
 */

/** The intro header Baileys sends ("WA", 6, DICT_VERSION 3); also the Noise prologue. */
export const WA_INTRO_HEADER = Uint8Array.of(0x57, 0x41, 6, 3);

/** Largest frame payload a 3-byte length can carry. */
export const MAX_FRAME_SIZE = 0xff_ffff;

export class FramingError extends Error {
  override readonly name = "FramingError";
}

/** Prefixes `payload` with its 3-byte big-endian length. Throws RangeError above {@link MAX_FRAME_SIZE}. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME_SIZE) throw new RangeError(`frame of ${payload.length} bytes exceeds ${MAX_FRAME_SIZE}`);
  const out = new Uint8Array(3 + payload.length);
  out[0] = (payload.length >>> 16) & 0xff;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out.set(payload, 3);
  return out;
}

/** What the intro header said. */
export interface Intro {
  /** The routing info of an "ED" header (the client's `creds.routingInfo`), if any. */
  routingInfo?: Uint8Array;
}

/**
 * Reassembles the client's byte stream into frames. `push` returns the frames completed by the
 * new bytes, in order; it throws {@link FramingError} if the intro header is not one of the two forms.
 */
export class FrameReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private introDone = false;
  /** Set once the intro header has been read. */
  intro: Intro | undefined;

  push(chunk: Uint8Array): Uint8Array[] {
    this.buffer = this.buffer.length === 0 ? Uint8Array.from(chunk) : concat(this.buffer, chunk);
    if (!this.introDone && !this.readIntro()) return [];
    const frames: Uint8Array[] = [];
    while (this.buffer.length >= 3) {
      const size = (this.buffer[0]! << 16) | (this.buffer[1]! << 8) | this.buffer[2]!;
      if (this.buffer.length < 3 + size) break;
      frames.push(this.buffer.slice(3, 3 + size));
      this.buffer = this.buffer.subarray(3 + size);
    }
    return frames;
  }

  /** Consumes the intro header if complete; false if more bytes are needed. */
  private readIntro(): boolean {
    const b = this.buffer;
    if (b.length < 2) return false;
    let offset = 0;
    let routingInfo: Uint8Array | undefined;
    if (b[0] === 0x45 && b[1] === 0x44) {
      // "ED" 0 1 len24 routing
      if (b.length < 7) return false;
      if (b[2] !== 0 || b[3] !== 1) throw new FramingError(`unknown ED header version ${b[2]}.${b[3]}`);
      const len = (b[4]! << 16) | (b[5]! << 8) | b[6]!;
      if (b.length < 7 + len) return false;
      routingInfo = b.slice(7, 7 + len);
      offset = 7 + len;
    }
    if (b.length < offset + WA_INTRO_HEADER.length) return false;
    for (let i = 0; i < WA_INTRO_HEADER.length; i++) {
      if (b[offset + i] !== WA_INTRO_HEADER[i]) {
        throw new FramingError(`bad intro header ${Buffer.from(b.subarray(offset, offset + 4)).toString("hex")}`);
      }
    }
    this.buffer = b.subarray(offset + WA_INTRO_HEADER.length);
    this.introDone = true;
    this.intro = routingInfo ? { routingInfo } : {};
    return true;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

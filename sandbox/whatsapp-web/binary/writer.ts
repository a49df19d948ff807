/** A growable big-endian byte writer used by the encoder. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  /** Appends one byte (0..255). */
  byte(value: number): void {
    this.reserve(1);
    this.buf[this.len++] = value;
  }

  /** Appends `value` as an unsigned big-endian integer of `size` bytes (1..4). */
  uint(value: number, size: number): void {
    this.reserve(size);
    for (let i = size - 1; i >= 0; i--) this.buf[this.len++] = Math.floor(value / 2 ** (8 * i)) & 0xff;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  /** A copy of everything written so far. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * A Server-Sent Events parser (the `text/event-stream` format of the WHATWG HTML standard, §9.2.6),
 * fed with decoded text in arbitrary chunks. Pure: no I/O.
 */

/** One dispatched event. `id` is the stream's last event id at dispatch time ("" when none was set). */
export interface SseFrame {
  id: string;
  /** The `event:` field; "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseParser {
  #buffer = "";
  #data: string[] = [];
  #event = "";
  #lastId = "";
  #dispatchedId = "";
  #started = false;
  /** The last `retry:` value the server sent, ms, or undefined. */
  retryMs: number | undefined;

  constructor(lastEventId = "") {
    this.#lastId = lastEventId;
    this.#dispatchedId = lastEventId;
  }

  /** The stream's last event id: the last `id:` field seen (even on a frame without data). */
  get lastEventId(): string {
    return this.#lastId;
  }

  /**
   * The last event id as of the last complete block (blank line), with or without data. Unlike
   * {@link lastEventId}, never ahead of a block still being received.
   */
  get dispatchedId(): string {
    return this.#dispatchedId;
  }

  /** Parses `chunk` and returns the events it completes (in order). */
  push(chunk: string): SseFrame[] {
    let text = this.#buffer + chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const frames: SseFrame[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A lone "\r" at the end of the chunk may be the first half of "\r\n": wait for more.
      if (c === 13 && i === text.length - 1) break;
      this.#line(text.slice(start, i), frames);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.#buffer = text.slice(start);
    return frames;
  }

  #line(line: string, frames: SseFrame[]): void {
    if (line === "") {
      this.#dispatchedId = this.#lastId;
      if (this.#data.length > 0) frames.push({ id: this.#lastId, event: this.#event || "message", data: this.#data.join("\n") });
      this.#data = [];
      this.#event = "";
      return;
    }
    if (line.startsWith(":")) return; // comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#event = value;
        break;
      case "id":
        if (!value.includes("\0")) this.#lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
  }
}

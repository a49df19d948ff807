import type { ServerResponse } from "node:http";
import type { StoredEvent } from "../../store/types.js";
import type { StreamEnd, StreamSink } from "./session.js";

/** Response headers of an SSE stream (besides any already set on the reply, e.g. rate-limit ones). */
export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // nginx buffers responses unless told not to.
  "x-accel-buffering": "no",
} as const;

/**
 * A Server-Sent Events transport over a Node response whose head was already written (status 200,
 * {@link SSE_HEADERS}). Frames:
 * - an event: `id: <event id>` and `data: <envelope JSON>` (the default `message` event type);
 * - a heartbeat: a comment line `: ping`;
 * - the end: `event: end` with `data: {"error": {code, message, …}}` saying why, then the response
 *   ends (an `EventSource` then reconnects with `Last-Event-ID`; see docs/events.md).
 * The first frame also carries `id: <startCursor>` (no data: clients only record it as the last
 * event id), so a client that reconnects before any event arrives resumes where it started.
 * @param retryMs the reconnection delay advertised to `EventSource` (`retry:`), ms.
 * @param startCursor the stream's start position (`@<seq>`, see `POSITION_PREFIX`).
 */
export function sseSink(res: ServerResponse, retryMs: number, startCursor: string): StreamSink {
  const closed = new AbortController();
  res.on("close", () => closed.abort());
  res.socket?.setNoDelay(true);
  res.write(`retry: ${retryMs}\nid: ${sseId(startCursor)}\n: connected\n\n`);
  return {
    closed: closed.signal,
    get backlog() {
      return res.writableLength;
    },
    send(e: StoredEvent) {
      res.write(`id: ${sseId(e.envelope.id)}\ndata: ${JSON.stringify(e.envelope)}\n\n`);
    },
    drained(bytes) {
      if (res.writableLength <= bytes || closed.signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const check = (): void => {
          if (res.writableLength > bytes && !closed.signal.aborted) return;
          res.off("drain", check);
          closed.signal.removeEventListener("abort", check);
          resolve();
        };
        res.on("drain", check);
        closed.signal.addEventListener("abort", check);
      });
    },
    heartbeat() {
      res.write(": ping\n\n");
      return true;
    },
    end(reason: StreamEnd) {
      if (reason === "gone" || res.destroyed) {
        res.destroy();
        return;
      }
      res.end(`event: end\ndata: ${JSON.stringify({ error: reason.toJSON() })}\n\n`);
    },
  };
}

/** An `id:` field value: SSE fields end at CR or LF, and an id with NUL is ignored by clients. */
function sseId(id: string): string {
  return /[\r\n\0]/.test(id) ? id.replace(/[\r\n\0]/g, "") : id;
}

import type { WebSocket } from "ws";
import type { StoredEvent } from "../../store/types.js";
import type { StreamEnd, StreamSink } from "./session.js";

/**
 * The WebSocket close code for a stream's end: `1001` (going away) for `SHUTTING_DOWN`, `1011` for
 * `INTERNAL` and `STORAGE_FAILED`, else `4000 + the error's HTTP status` (e.g. `4401` token revoked,
 * `4404` instance deleted, `4408` slow consumer, `4410` resume point expired). The close reason is
 * the error code.
 */
export function closeCode(code: string, status: number): number {
  if (code === "SHUTTING_DOWN") return 1001;
  if (code === "INTERNAL" || code === "STORAGE_FAILED") return 1011;
  return 4000 + status;
}

/**
 * A WebSocket transport: one text message per event (the envelope JSON), pings as heartbeats (a
 * peer that did not answer the previous ping with a pong is dead), and a close frame with
 * {@link closeCode} at the end. Messages from the client are ignored.
 */
export function wsSink(socket: WebSocket): StreamSink {
  const closed = new AbortController();
  let pending = 0;
  let alive = true;
  const waiters = new Set<() => void>();
  const wakeWaiters = (): void => {
    for (const w of [...waiters]) w();
  };
  socket.on("close", () => {
    closed.abort();
    wakeWaiters();
  });
  socket.on("pong", () => {
    alive = true;
  });
  return {
    closed: closed.signal,
    get backlog() {
      return pending;
    },
    send(e: StoredEvent) {
      const data = JSON.stringify(e.envelope);
      const bytes = Buffer.byteLength(data);
      pending += bytes;
      socket.send(data, () => {
        pending -= bytes;
        wakeWaiters();
      });
    },
    drained(bytes) {
      if (pending <= bytes || closed.signal.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const check = (): void => {
          if (pending > bytes && !closed.signal.aborted) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    heartbeat() {
      if (!alive) return false;
      alive = false;
      socket.ping();
      return true;
    },
    end(reason: StreamEnd) {
      if (reason === "gone") {
        socket.terminate();
        return;
      }
      socket.close(closeCode(reason.code, reason.status), reason.code);
    },
  };
}

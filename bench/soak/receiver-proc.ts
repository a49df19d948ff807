/**
 * The webhook receiver of the soak, in its own process: an HTTP server that answers 204 to every
 * delivery and tallies the `message.received` and `message.sent` events by their message text
 * (the driver makes every text unique) and by event id, so that run.ts can count lost and
 * duplicated messages end to end. The signature is not checked here (the webhook tests do).
 *
 * IPC: `url()`; `tally()` → {@link Tally}.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "../telegram/ipc.js";

/** What arrived: for each text, the distinct event ids it came with; deliveries counted per event id. */
export interface Tally {
  /** Distinct texts of `message.received` events, and those that came under more than one event id. */
  received: { texts: number; duplicated: number };
  /** The same for `message.sent`. */
  sent: { texts: number; duplicated: number };
  /** Every delivery, and those of an event id already delivered (webhook retries: at-least-once). */
  deliveries: number;
  redeliveries: number;
  /** The texts of `message.received`, for run.ts to match against what it sent. */
  receivedTexts: string[];
}

const byText = { "message.received": new Map<string, Set<string>>(), "message.sent": new Map<string, Set<string>>() };
const seenIds = new Set<string>();
let deliveries = 0;
let redeliveries = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    deliveries++;
    try {
      const e = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string; type: string; data?: { body?: unknown } };
      if (seenIds.has(e.id)) redeliveries++;
      seenIds.add(e.id);
      const map = e.type === "message.received" || e.type === "message.sent" ? byText[e.type] : undefined;
      const text = e.data?.body;
      if (map && typeof text === "string") {
        const ids = map.get(text) ?? new Set<string>();
        ids.add(e.id);
        map.set(text, ids);
      }
    } catch {
      // not JSON: counted as a delivery only
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));

const summary = (m: Map<string, Set<string>>): { texts: number; duplicated: number } => ({
  texts: m.size,
  duplicated: [...m.values()].filter((ids) => ids.size > 1).length,
});

serve(
  {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    tally: (): Tally => ({
      received: summary(byText["message.received"]),
      sent: summary(byText["message.sent"]),
      deliveries,
      redeliveries,
      receivedTexts: [...byText["message.received"].keys()],
    }),
  },
  () => new Promise<void>((r) => server.close(() => r())),
);

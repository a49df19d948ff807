import { randomUUID } from "node:crypto";
import type { EventData, EventEnvelope, EventType } from "./types.js";

/** The envelope fields of whoever an event is about: an instance, or the gateway itself (nulls). */
export interface EventSource {
  instance: string | null;
  platform: string | null;
  metadata: Record<string, unknown>;
}

/**
 * Builds an event envelope with a fresh id (`evt_<uuid>`). Pure apart from the id.
 * @param ts epoch ms.
 */
export function makeEvent<T extends EventType>(type: T, source: EventSource, data: EventData[T], ts: number): EventEnvelope<T> {
  return { id: `evt_${randomUUID()}`, type, instance: source.instance, platform: source.platform, metadata: source.metadata, ts, data };
}

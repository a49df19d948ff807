import { randomUUID } from "node:crypto";
import type { EventData, EventEnvelope, EventType } from "./types.js";

/** A subscriber. Called synchronously in publish order; a throwing subscriber never affects others. */
export type EventListener = (event: EventEnvelope) => void;

/**
 * The in-process event bus the core publishes lifecycle events on. Fire-and-forget and in memory:
 * durable delivery (outbox, webhooks, replay) is built on top of it, not in it.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Builds the envelope (fresh `id`, `ts`) and hands it to every subscriber. Never throws.
   * @returns the published envelope.
   */
  /** Hands an already built (e.g. stored) envelope to every subscriber. Never throws. */
  emit(event: EventEnvelope): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A subscriber's failure is its own; the bus contract is "never throws".
      }
    }
  }

  publish<T extends EventType>(
    type: T,
    source: { instance: string; platform: string; metadata: Record<string, unknown> },
    data: EventData[T],
    ts: number = Date.now(),
  ): EventEnvelope<T> {
    const event: EventEnvelope<T> = { id: `evt_${randomUUID()}`, type, ...source, ts, data };
    this.emit(event as unknown as EventEnvelope);
    return event;
  }
}

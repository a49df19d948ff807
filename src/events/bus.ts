import type { StoredEvent } from "../store/types.js";

/** A subscriber. Called synchronously in publish order; a throwing subscriber never affects others. */
export type EventListener = (event: StoredEvent) => void;

/**
 * The in-process event bus: the low-latency path from the outbox to the webhook dispatcher and the
 * live streams. Only events already stored in the outbox are emitted (with their `seq`), so a
 * subscriber that misses one can always read it back from the store; the bus itself is in memory
 * and fire-and-forget.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes; returns the function that unsubscribes. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands stored events to every subscriber, in the given order. Never throws. */
  emit(...events: readonly StoredEvent[]): void {
    for (const event of events) {
      for (const l of this.listeners) {
        try {
          l(event);
        } catch {
          // A subscriber's failure is its own; the bus contract is "never throws".
        }
      }
    }
  }
}

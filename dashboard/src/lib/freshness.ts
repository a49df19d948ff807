/**
 * Which of two answers about one thing is newer, when they arrive out of order. Pure: no DOM.
 */

/**
 * Where the status shown for an instance came from: a view's `updatedAt` (a verb's answer, a read or
 * the list; `by: "view"`) or an `instance.status` event's `ts` (`by: "event"`). Both are the
 * gateway's clock, ms. The gateway stores a change (setting `updatedAt`) before it takes the time of
 * the next change's event, so an event describing a later change has `ts` ≥ the earlier view's
 * `updatedAt`, and a view showing a change has `updatedAt` ≥ the `ts` of that change's event.
 */
export interface StatusStamp {
  at: number;
  by: "view" | "event";
}

/**
 * Whether a status stamped `incoming` may replace the one shown, stamped `shown` (undefined: none
 * shown yet). Events arrive in order, so an event replaces an event. An event replaces a view unless
 * the view is newer (`ts` < `updatedAt`: the event describes a change the view already shows or an
 * older one). A view replaces a view at least as new, and an event only when strictly newer (on a
 * tie the event may describe the change after the one the view shows).
 */
export function replacesStatus(shown: StatusStamp | undefined, incoming: StatusStamp): boolean {
  if (shown === undefined) return true;
  if (incoming.by === "event") return shown.by === "event" || incoming.at >= shown.at;
  return shown.by === "view" ? incoming.at >= shown.at : incoming.at > shown.at;
}

/**
 * Runs async loads of which only the newest counts: `start()` returns a ticket, `current(ticket)`
 * says whether no load started (or `cancel()` ran) since. A load that finishes after a newer one
 * started drops its result instead of showing something stale.
 */
export class LatestOnly {
  private seq = 0;

  /** A new ticket; every earlier ticket stops being current. */
  start(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Whether `ticket` is the newest and not cancelled. */
  current(ticket: number): boolean {
    return ticket === this.seq;
  }

  /** Makes every ticket handed out so far stale (e.g. the QR is no longer wanted). */
  cancel(): void {
    this.seq += 1;
  }
}

import type { Clock } from "./clock.js";
import type { InstanceStatus } from "./status.js";

/** A status to publish, with the status subscribers saw before it. */
export interface Publication {
  status: InstanceStatus;
  previous: InstanceStatus;
}

/** What {@link StatusPublisher.plan} decided: a publication due now (or null), and how to make it so. */
export interface PublishPlan {
  now: Publication | null;
  /** Moves the publisher to the planned state (starts or clears the debounce timer). Call once. */
  commit(): void;
}

/**
 * Turns the stream of status changes of one instance into `instance.status` publications, debouncing
 * transient flaps (DESIGN §2): when a `connected` instance starts reconnecting, nothing is published
 * for `debounceMs`; if it is `connected` again by then, nothing is published at all; otherwise the
 * latest status is published when the window closes (through `emitLater`), or at once when it
 * reaches any status other than `reconnecting`/`starting` (a terminal status is never held back).
 *
 * Two-phase so that a publication can be stored in the same transaction as the status it describes:
 * {@link plan} decides without changing anything, `commit` applies once the status is stored.
 */
export class StatusPublisher {
  private lastPublished: InstanceStatus;
  private latest: InstanceStatus;
  private timer: unknown = null;

  /**
   * @param initial the status subscribers already know (nothing is published for it).
   * @param emitLater called with a publication the debounce window released (timer) or
   *   {@link update} decided. Must not throw.
   */
  constructor(
    initial: InstanceStatus,
    private readonly clock: Clock,
    private readonly debounceMs: number,
    private readonly emitLater: (status: InstanceStatus, previous: InstanceStatus) => void,
  ) {
    this.lastPublished = initial;
    this.latest = initial;
  }

  /** Decides what reporting `status` as the new current status publishes now. Changes nothing. */
  plan(status: InstanceStatus): PublishPlan {
    const holding = this.timer !== null;
    const transient = status.state === "reconnecting" || status.state === "starting";
    if (holding && transient) return { now: null, commit: () => void (this.latest = status) };
    if (holding && status.state === "connected" && this.lastPublished.state === "connected") {
      return { now: null, commit: () => (this.stopTimer(), void (this.latest = status)) }; // flap absorbed
    }
    if (!holding && status.state === "reconnecting" && this.lastPublished.state === "connected" && this.debounceMs > 0) {
      return {
        now: null,
        commit: () => {
          this.latest = status;
          this.timer = this.clock.setTimeout(() => {
            this.timer = null;
            const p = this.take(this.latest);
            this.emitLater(p.status, p.previous);
          }, this.debounceMs);
        },
      };
    }
    return {
      now: { status, previous: this.lastPublished },
      commit: () => {
        this.stopTimer();
        this.latest = status;
        this.take(status);
      },
    };
  }

  /** {@link plan} and commit in one step; a publication due now goes to `emitLater` at once. */
  update(status: InstanceStatus): void {
    const p = this.plan(status);
    p.commit();
    if (p.now) this.emitLater(p.now.status, p.now.previous);
  }

  /** Takes whatever is held back (shutdown) as a publication due now; null when nothing is. Idempotent. */
  flush(): Publication | null {
    if (this.timer === null) return null;
    this.stopTimer();
    return this.take(this.latest);
  }

  private take(status: InstanceStatus): Publication {
    const previous = this.lastPublished;
    this.lastPublished = status;
    return { status, previous };
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

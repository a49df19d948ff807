import type { Clock } from "./clock.js";
import type { InstanceStatus } from "./status.js";

/**
 * Turns the stream of status changes of one instance into `instance.status` events, debouncing
 * transient flaps (DESIGN §2): when a `connected` instance starts reconnecting, nothing is published
 * for `debounceMs`; if it is `connected` again by then, nothing is published at all; otherwise the
 * latest status is published when the window closes, or at once when it reaches any status other than
 * `reconnecting`/`starting` (a terminal status is never held back).
 */
export class StatusPublisher {
  private lastPublished: InstanceStatus;
  private latest: InstanceStatus;
  private timer: unknown = null;

  /**
   * @param initial the status subscribers already know (nothing is published for it).
   * @param emit called with the status to publish and the previously published one. Must not throw.
   */
  constructor(
    initial: InstanceStatus,
    private readonly clock: Clock,
    private readonly debounceMs: number,
    private readonly emit: (status: InstanceStatus, previous: InstanceStatus) => void,
  ) {
    this.lastPublished = initial;
    this.latest = initial;
  }

  /** Reports the new current status. */
  update(status: InstanceStatus): void {
    this.latest = status;
    if (this.timer !== null) {
      if (status.state === "reconnecting" || status.state === "starting") return;
      this.clock.clearTimeout(this.timer);
      this.timer = null;
      if (status.state === "connected" && this.lastPublished.state === "connected") return; // flap absorbed
      this.publish(status);
      return;
    }
    if (status.state === "reconnecting" && this.lastPublished.state === "connected" && this.debounceMs > 0) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.publish(this.latest);
      }, this.debounceMs);
      return;
    }
    this.publish(status);
  }

  /** Publishes whatever is held back now (shutdown). Idempotent. */
  flush(): void {
    if (this.timer === null) return;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.publish(this.latest);
  }

  private publish(status: InstanceStatus): void {
    const previous = this.lastPublished;
    this.lastPublished = status;
    this.emit(status, previous);
  }
}

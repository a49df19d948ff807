import type { InstanceView, Listener, PlatformInfo, SandboxView, Switchboard, SwitchboardEvent } from "@switchboard/client";
import { mergeRecent, pushRecent } from "./lib/events.js";
import { replacesStatus, type StatusStamp } from "./lib/freshness.js";

/** What changed, for the views that listen to the store. */
export type Change =
  | { kind: "instances" }
  | { kind: "selected" }
  | { kind: "event"; event: SwitchboardEvent }
  | { kind: "stream"; connected: boolean; error?: string }
  | { kind: "fill-login"; name: string; value: string };

/** How many recent events are kept per instance. */
export const RECENT_EVENTS = 50;

/**
 * The dashboard's state: the client, the platforms, the instances (kept current by the live stream),
 * the selected instance and the recent events per instance. Views read it and subscribe to changes.
 */
export class Store {
  readonly instances = new Map<string, InstanceView>();
  readonly recent = new Map<string, SwitchboardEvent[]>();
  selected: string | null = null;
  /** The outcome of the last verb whose instance is gone (Delete), shown where its panel was; null when none. */
  notice: string | null = null;
  /** Per instance, where its shown status came from (see {@link replacesStatus}). */
  private readonly stamps = new Map<string, StatusStamp>();
  private readonly listeners = new Set<(c: Change) => void>();
  private listener: Listener | null = null;

  constructor(
    readonly sb: Switchboard,
    readonly platforms: PlatformInfo[],
    /** The sandboxes that answer through the gateway (`serve --sandbox`), with their panels; [] otherwise. */
    readonly sandboxes: readonly SandboxView[],
  ) {}

  /** Calls `fn` on every change; returns the unsubscribe function. */
  subscribe(fn: (c: Change) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(c: Change): void {
    for (const fn of this.listeners) fn(c);
  }

  platform(id: string): PlatformInfo | undefined {
    return this.platforms.find((p) => p.platform === id);
  }

  select(name: string | null): void {
    this.selected = name;
    this.notice = null;
    this.emit({ kind: "selected" });
  }

  /** Forgets a deleted instance; `notice` (e.g. "Deleted wa: remote revoked.") replaces its panel. */
  removed(name: string, notice: string): void {
    this.forget(name);
    this.recent.delete(name);
    this.selected = null;
    this.notice = notice;
    this.emit({ kind: "selected" });
    this.emit({ kind: "instances" });
  }

  /** Reloads every instance (all pages). */
  async refresh(): Promise<void> {
    const seen = new Set<string>();
    let after: string | undefined;
    do {
      const page = await this.sb.listInstances({ limit: 500, ...(after ? { after } : {}) });
      for (const i of page.items) {
        seen.add(i.name);
        this.setView(i);
      }
      after = page.next ?? undefined;
    } while (after);
    for (const name of [...this.instances.keys()]) if (!seen.has(name)) this.forget(name);
    if (this.selected && !this.instances.has(this.selected)) this.selected = null;
    this.emit({ kind: "instances" });
  }

  /**
   * Replaces one instance's view (after a verb answered, or a read). Its status and desired state
   * only when the view is newer than what the live stream showed meanwhile (an `instance.status`
   * that overtook the answer is not undone); the rest of the view always.
   */
  put(view: InstanceView): void {
    this.setView(view);
    this.emit({ kind: "instances" });
  }

  private setView(view: InstanceView): void {
    const current = this.instances.get(view.name);
    const stamp: StatusStamp = { at: view.updatedAt, by: "view" };
    if (current && !replacesStatus(this.stamps.get(view.name), stamp)) {
      this.instances.set(view.name, { ...view, status: current.status, desired: current.desired });
      return;
    }
    this.stamps.set(view.name, stamp);
    this.instances.set(view.name, view);
  }

  private forget(name: string): void {
    this.instances.delete(name);
    this.stamps.delete(name);
  }

  /** Follows every event the token may see; status events update the instances. */
  startStream(): void {
    this.listener = this.sb.listen((err, event) => {
      if (err) {
        this.emit({ kind: "stream", connected: false, error: err.message });
        return;
      }
      this.emit({ kind: "stream", connected: true });
      this.onEvent(event);
    });
  }

  /** Whether the live stream is open now. */
  get streamConnected(): boolean {
    return this.listener?.connected ?? false;
  }

  stop(): void {
    this.listener?.();
    this.listener = null;
    this.listeners.clear();
  }

  /**
   * Records events replayed from the store (oldest first) among those that came live, without
   * announcing each: deduplicated by id, newest first, at most {@link RECENT_EVENTS}.
   */
  addReplayed(name: string, events: readonly SwitchboardEvent[]): void {
    this.recent.set(name, mergeRecent(this.recent.get(name) ?? [], events, RECENT_EVENTS));
  }

  private onEvent(event: SwitchboardEvent): void {
    const name = event.instance;
    if (name) this.recent.set(name, pushRecent(this.recent.get(name) ?? [], event, RECENT_EVENTS));
    if (event.type === "instance.status" && name) {
      const current = this.instances.get(name);
      const stamp: StatusStamp = { at: event.ts, by: "event" };
      if (!current) void this.refresh().catch(() => undefined);
      else if (replacesStatus(this.stamps.get(name), stamp)) {
        this.stamps.set(name, stamp);
        this.instances.set(name, { ...current, status: event.data.status, desired: event.data.desired });
        this.emit({ kind: "instances" });
      }
    } else if (event.type === "instance.deleted" && name) {
      this.forget(name);
      if (this.selected === name) this.selected = null;
      this.emit({ kind: "instances" });
    }
    this.emit({ kind: "event", event });
  }
}

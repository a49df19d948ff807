/**
 * Fault injection: what a flaky network or a stuck server does to a client.
 *
 * - `drop`: the matching open connections are destroyed at once (TCP reset, no `<stream:error>`, no
 *   WebSocket close frame). Baileys reports `connection: "close"` with 428 "Connection Terminated"
 *   (`DisconnectReason.connectionClosed`; rc14 lib/Socket/socket.js `ws.on('close')`), not
 *   `loggedOut`, and an application reconnects from its saved credentials. One-shot: not kept.
 * - `silence`: the server keeps reading (and acting on) what matching connections send but writes
 *   nothing to them: no answers, no pings' results, no handshake messages. Baileys' keepalive
 *   (`startKeepAliveRequest`: every `keepAliveIntervalMs` it pings, and ends with 408
 *   `connectionLost` "Connection was lost" once nothing arrived for `keepAliveIntervalMs + 5000` ms)
 *   then closes the connection. Kept until cleared.
 * - `delay`: every frame the server writes to a matching connection leaves `ms` milliseconds later
 *   (real time, not the sandbox clock: it stands for the network), in order. Kept until cleared.
 *
 * Selectors (all optional; none: every connection): `phone` (a phone id) matches the connections
 * logged in as one of its devices; with `device` (a device number) only that device; `connection`
 * (an id from {@link connectionId}) one connection, including one still in its handshake or
 * registration. Kept rules also apply to connections opened later. Clearing a rule lets writes held
 * back by `delay` go out at their time; writes discarded by `silence` stay lost.
 */
import type { Connection } from "./server.js";
import { SandboxError, type SandboxState } from "./state.js";

export type FaultKind = "drop" | "silence" | "delay";

export interface FaultInput {
  kind: FaultKind;
  /** A phone id (matches connections logged in as one of its devices). */
  phone?: string;
  /** A device number (1..255); needs `phone`. */
  device?: number;
  /** A connection id (see GET /sandbox/connections). */
  connection?: number;
  /** For `delay`: milliseconds, 1..600 000. */
  ms?: number;
}

/** A kept fault (`silence` or `delay`). */
export interface FaultRule {
  id: string;
  kind: "silence" | "delay";
  phone?: string;
  device?: number;
  connection?: number;
  ms?: number;
}

/** A connection as the fault API lists it. */
export interface ConnectionInfo {
  id: number;
  /** `handshake`: Noise not finished; `registration`: waiting to be linked (QR or code); `login`: a login from saved credentials not (yet) accepted; `logged-in`. */
  state: "handshake" | "registration" | "logged-in" | "login";
  phone?: string;
  device?: number;
  jid?: string;
}

const MAX_DELAY_MS = 600_000;

/** The fault rules of one sandbox, and the write queues of its connections. */
export class Faults {
  private rules: FaultRule[] = [];
  private nextRule = 1;
  private nextConnection = 1;
  private readonly ids = new WeakMap<Connection, number>();
  private readonly queues = new WeakMap<Connection, { tail: Promise<void>; pending: number }>();

  /** The timers of writes held back by `delay` (cleared by {@link close}). */
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(private readonly state: SandboxState) {}

  /** Writes held back by `delay` and not yet due. */
  get heldBack(): number {
    return this.timers.size;
  }

  /** The sandbox closes: held-back writes are dropped and their timers cleared (none keeps the process alive). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The connection's id: given the first time it is asked for, stable while the connection lives. */
  connectionId(conn: Connection): number {
    let id = this.ids.get(conn);
    if (id === undefined) this.ids.set(conn, (id = this.nextConnection++));
    return id;
  }

  /** The open connections, oldest id first. */
  connections(): ConnectionInfo[] {
    const out = [...this.state.connections].map((conn): ConnectionInfo => {
      const base = { id: this.connectionId(conn) };
      if (conn.loggedIn) {
        const { phone, device } = conn.loggedIn;
        return { ...base, state: "logged-in", phone: phone.id, device: device.device, jid: device.jid };
      }
      if (conn.registration) return { ...base, state: "registration" };
      return { ...base, state: conn.payload ? "login" : "handshake" };
    });
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * Applies `input`: a drop destroys the matching connections now and returns how many; silence and
   * delay are kept and returned. SandboxError 400 `bad_fault` for an unknown kind or bad selector/ms,
   * 404 `phone_not_found`.
   */
  add(input: FaultInput): { dropped: number } | FaultRule {
    const selector = this.selector(input);
    if (input.kind === "drop") {
      const matching = [...this.state.connections].filter((c) => this.matches(selector, c));
      for (const conn of matching) conn.drop();
      return { dropped: matching.length };
    }
    if (input.kind !== "silence" && input.kind !== "delay") throw new SandboxError(400, "bad_fault", 'kind must be "drop", "silence" or "delay"');
    const rule: FaultRule = { id: `fault-${this.nextRule++}`, kind: input.kind, ...selector };
    if (input.kind === "delay") {
      if (typeof input.ms !== "number" || !Number.isInteger(input.ms) || input.ms < 1 || input.ms > MAX_DELAY_MS) {
        throw new SandboxError(400, "bad_fault", `a delay needs ms, an integer from 1 to ${MAX_DELAY_MS}`);
      }
      rule.ms = input.ms;
    }
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Removes every kept rule (or the one `id`); returns how many were removed. */
  clear(id?: string): number {
    const before = this.rules.length;
    this.rules = id === undefined ? [] : this.rules.filter((r) => r.id !== id);
    return before - this.rules.length;
  }

  /**
   * Writes one frame of `conn` through the faults: `write` runs now, later (delay; frames stay in
   * order) or never (silence). The server calls this for every frame it writes.
   */
  deliver(conn: Connection, write: () => void): void {
    let silent = false;
    let delayMs = 0;
    for (const rule of this.rules) {
      if (!this.matches(rule, conn)) continue;
      if (rule.kind === "silence") silent = true;
      else delayMs = Math.max(delayMs, rule.ms ?? 0);
    }
    if (silent) return;
    let queue = this.queues.get(conn);
    if (delayMs === 0 && !queue?.pending) {
      write();
      return;
    }
    if (!queue) this.queues.set(conn, (queue = { tail: Promise.resolve(), pending: 0 }));
    const q = queue;
    const due = Date.now() + delayMs;
    q.pending++;
    q.tail = q.tail
      .then(
        () =>
          new Promise<void>((resolve) => {
            if (this.closed) return; // never settles: the write is dropped with the sandbox
            const timer = setTimeout(() => {
              this.timers.delete(timer);
              resolve();
            }, Math.max(0, due - Date.now()));
            this.timers.add(timer);
          }),
      )
      .then(() => {
        q.pending--;
        write();
      })
      .catch(() => {});
  }

  private selector(input: FaultInput): Omit<FaultRule, "id" | "kind"> {
    const out: Omit<FaultRule, "id" | "kind"> = {};
    if (input.phone !== undefined) {
      if (typeof input.phone !== "string") throw new SandboxError(400, "bad_fault", "phone must be a phone id");
      out.phone = this.state.phone(input.phone).id;
    }
    if (input.device !== undefined) {
      if (out.phone === undefined || !Number.isInteger(input.device) || input.device < 1 || input.device > 255) {
        throw new SandboxError(400, "bad_fault", "device must be a device number 1..255, with phone");
      }
      out.device = input.device;
    }
    if (input.connection !== undefined) {
      if (!Number.isInteger(input.connection) || input.connection < 1) throw new SandboxError(400, "bad_fault", "connection must be a connection id");
      out.connection = input.connection;
    }
    return out;
  }

  private matches(selector: Omit<FaultRule, "id" | "kind">, conn: Connection): boolean {
    if (selector.connection !== undefined && this.connectionId(conn) !== selector.connection) return false;
    if (selector.phone !== undefined && conn.loggedIn?.phone.id !== selector.phone) return false;
    if (selector.device !== undefined && conn.loggedIn?.device.device !== selector.device) return false;
    return true;
  }
}

const faultsByState = new WeakMap<SandboxState, Faults>();

/** The faults of the sandbox whose state is `state` (created on first use). */
export function faultsOf(state: SandboxState): Faults {
  let faults = faultsByState.get(state);
  if (!faults) faultsByState.set(state, (faults = new Faults(state)));
  return faults;
}

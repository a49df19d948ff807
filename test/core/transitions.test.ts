import { describe, expect, it } from "vitest";
import { DEFAULT_RECONNECT_POLICY, backoffDelay } from "../../src/core/reconnect.js";
import { isLive, type InstanceStatus } from "../../src/core/status.js";
import { transition, type Effect, type LifecycleInput, type LifecycleState } from "../../src/core/transitions.js";

const NOW = 1_700_000_000_000;
const env = { now: NOW, random: 0.5, policy: { ...DEFAULT_RECONNECT_POLICY, maxAttempts: 3 } };
const err = { code: "E", message: "boom" };

const S = {
  stopped: { state: "stopped", reason: "user" } as InstanceStatus,
  starting: { state: "starting" } as InstanceStatus,
  awaiting: { state: "awaiting_login", method: "qr", qr: "q1", attempt: 1 } as InstanceStatus,
  connected: { state: "connected", since: 1, self: { id: "me" } } as InstanceStatus,
  reconnecting: { state: "reconnecting", attempt: 1, retryAt: NOW + 5, lastError: err } as InstanceStatus,
  loggingOut: { state: "logging_out" } as InstanceStatus,
  loggedOut: { state: "logged_out", reason: "user", remote: "revoked" } as InstanceStatus,
  conflict: { state: "conflict", error: err } as InstanceStatus,
  failed: { state: "failed", error: err } as InstanceStatus,
};
type Name = keyof typeof S;

function st(status: Name, desired: "running" | "stopped" = "running", failures = 0, restarts = 0): LifecycleState {
  return { desired, status: S[status], failures, restarts };
}

interface Row {
  from: LifecycleState;
  input: LifecycleInput;
  /** expected state tag, or "same" when the input must be ignored */
  to: InstanceStatus["state"] | "same";
  desired?: "running" | "stopped";
  effects?: Effect["type"][];
  check?: (s: LifecycleState) => void;
}

const connect: LifecycleInput = { type: "connect" };
const close: LifecycleInput = { type: "close" };
const shutdown: LifecycleInput = { type: "shutdown" };
const dis = (kind: "transient" | "restart_required" | "logged_out" | "conflict" | "login_expired" | "fatal"): LifecycleInput => ({
  type: "disconnected",
  kind,
  error: err,
});

const rows: [string, Row][] = [
  // connect
  ["connect from stopped opens a session", { from: st("stopped", "stopped"), input: connect, to: "starting", desired: "running", effects: ["open_session"] }],
  ["connect from logged_out starts a fresh login", { from: st("loggedOut", "stopped"), input: connect, to: "starting", effects: ["open_session"] }],
  ["connect from failed resets the failure count", { from: st("failed", "running", 11), input: connect, to: "starting", effects: ["open_session"], check: (s) => expect(s.failures).toBe(0) }],
  ["connect from conflict opens a session", { from: st("conflict", "stopped"), input: connect, to: "starting", effects: ["open_session"] }],
  ["connect while reconnecting retries at once", { from: st("reconnecting", "running", 2), input: connect, to: "starting", effects: ["cancel_retry", "open_session"], check: (s) => expect(s.failures).toBe(2) }],
  ["connect while starting is a no-op (single-flight)", { from: st("starting"), input: connect, to: "same" }],
  ["connect while awaiting login is a no-op", { from: st("awaiting"), input: connect, to: "same" }],
  ["connect while connected is a no-op", { from: st("connected"), input: connect, to: "same" }],
  ["connect while connected but desired stopped only sets desired", { from: st("connected", "stopped"), input: connect, to: "connected", desired: "running", effects: [] }],
  // close
  ["close while connected ends the session", { from: st("connected"), input: close, to: "stopped", desired: "stopped", effects: ["cancel_retry", "close_session"] }],
  ["close while awaiting login ends the session", { from: st("awaiting"), input: close, to: "stopped", effects: ["cancel_retry", "close_session"] }],
  ["close while reconnecting cancels the retry", { from: st("reconnecting"), input: close, to: "stopped", effects: ["cancel_retry", "close_session"] }],
  ["close while stopped is a no-op", { from: st("stopped", "stopped"), input: close, to: "same" }],
  ["close keeps logged_out", { from: st("loggedOut", "stopped"), input: close, to: "same" }],
  ["close acknowledges failed", { from: st("failed", "running"), input: close, to: "stopped", desired: "stopped", effects: [] }],
  // shutdown
  ["shutdown closes but keeps desired", { from: st("connected"), input: shutdown, to: "stopped", desired: "running", effects: ["cancel_retry", "close_session"], check: (s) => expect(s.status).toEqual({ state: "stopped", reason: "shutdown" }) }],
  ["shutdown ignores a stopped instance", { from: st("stopped", "stopped"), input: shutdown, to: "same" }],
  // login steps and connected
  ["a QR moves starting to awaiting_login", { from: st("starting"), input: { type: "login_step", step: { method: "qr", qr: "q", attempt: 1, expiresAt: NOW + 60_000 } }, to: "awaiting_login", check: (s) => expect(s.status).toMatchObject({ qr: "q", attempt: 1, expiresAt: NOW + 60_000 }) }],
  ["a rotated QR updates awaiting_login", { from: st("awaiting"), input: { type: "login_step", step: { method: "qr", qr: "q2", attempt: 2 } }, to: "awaiting_login", check: (s) => expect(s.status).toMatchObject({ qr: "q2", attempt: 2 }) }],
  ["a late QR after connected is ignored", { from: st("connected"), input: { type: "login_step", step: { method: "qr", qr: "q", attempt: 1 } }, to: "same" }],
  ["connected from awaiting_login", { from: st("awaiting", "running", 2, 1), input: { type: "connected", self: { id: "x" } }, to: "connected", check: (s) => { expect(s.status).toEqual({ state: "connected", since: NOW, self: { id: "x" } }); expect(s.failures).toBe(0); expect(s.restarts).toBe(0); } }],
  ["connected from starting", { from: st("starting"), input: { type: "connected", self: { id: "x" } }, to: "connected" }],
  ["a late connected after close is ignored", { from: st("stopped", "stopped"), input: { type: "connected", self: { id: "x" } }, to: "same" }],
  // disconnects
  ["transient backs off", { from: st("connected"), input: dis("transient"), to: "reconnecting", effects: ["schedule_retry"], check: (s) => expect(s.status).toMatchObject({ attempt: 1, retryAt: NOW + 750, lastError: err }) }],
  ["transient grows the backoff", { from: st("starting", "running", 2), input: dis("transient"), to: "reconnecting", effects: ["schedule_retry"], check: (s) => expect(s.status).toMatchObject({ attempt: 3, retryAt: NOW + 3_000 }) }],
  ["transient past maxAttempts fails", { from: st("starting", "running", 3), input: dis("transient"), to: "failed", desired: "running", effects: [], check: (s) => expect(s.status).toEqual({ state: "failed", error: err }) }],
  ["restart_required reconnects at once", { from: st("awaiting"), input: dis("restart_required"), to: "starting", effects: ["open_session"], check: (s) => expect(s.restarts).toBe(1) }],
  ["too many restarts count as transient", { from: st("starting", "running", 0, 3), input: dis("restart_required"), to: "reconnecting", effects: ["schedule_retry"] }],
  ["logged_out wipes and stops", { from: st("connected"), input: dis("logged_out"), to: "logged_out", desired: "stopped", effects: ["wipe_credentials"], check: (s) => expect(s.status).toEqual({ state: "logged_out", reason: "remote", remote: "revoked" }) }],
  ["conflict stops without reconnecting", { from: st("connected"), input: dis("conflict"), to: "conflict", desired: "stopped", effects: [] }],
  ["login_expired stops with a reason, no loop", { from: st("awaiting"), input: dis("login_expired"), to: "stopped", desired: "stopped", effects: [], check: (s) => expect(s.status).toEqual({ state: "stopped", reason: "login_expired" }) }],
  ["fatal fails and stops", { from: st("starting"), input: dis("fatal"), to: "failed", desired: "stopped", effects: [] }],
  ["a disconnect of a closed session is ignored", { from: st("stopped", "stopped"), input: dis("transient"), to: "same" }],
  ["a disconnect during logout is ignored", { from: st("loggingOut", "stopped"), input: dis("logged_out"), to: "same" }],
  // retry timer
  ["retry_due reopens", { from: st("reconnecting"), input: { type: "retry_due" }, to: "starting", effects: ["open_session"] }],
  ["retry_due after close is ignored", { from: st("stopped", "stopped"), input: { type: "retry_due" }, to: "same" }],
  // logout
  ["logout_started from connected", { from: st("connected"), input: { type: "logout_started" }, to: "logging_out", desired: "stopped", effects: ["cancel_retry"] }],
  ["logout_started from reconnecting", { from: st("reconnecting"), input: { type: "logout_started" }, to: "logging_out", effects: ["cancel_retry"] }],
  ["logout_finished", { from: st("loggingOut", "stopped"), input: { type: "logout_finished", remote: "unconfirmed" }, to: "logged_out", check: (s) => expect(s.status).toEqual({ state: "logged_out", reason: "user", remote: "unconfirmed" }) }],
  ["logout_aborted back to reconnecting re-arms the retry", { from: st("loggingOut", "stopped"), input: { type: "logout_aborted", restore: { desired: "running", status: S.reconnecting } }, to: "reconnecting", desired: "running", effects: ["schedule_retry"] }],
  ["logout_aborted restores", { from: st("loggingOut", "stopped"), input: { type: "logout_aborted", restore: { desired: "running", status: S.connected } }, to: "connected", desired: "running" }],
  ["logout_aborted outside a logout is ignored", { from: st("connected"), input: { type: "logout_aborted", restore: { desired: "running", status: S.stopped } }, to: "same" }],
];

describe("transition table", () => {
  it.each(rows)("%s", (_name, row) => {
    const r = transition(row.from, row.input, env);
    if (row.to === "same") {
      expect(r.changed).toBe(false);
      expect(r.state).toBe(row.from);
      expect(r.effects).toEqual([]);
      return;
    }
    expect(r.changed).toBe(true);
    expect(r.state.status.state).toBe(row.to);
    if (row.desired) expect(r.state.desired).toBe(row.desired);
    if (row.effects) expect(r.effects.map((e) => e.type)).toEqual(row.effects);
    row.check?.(r.state);
  });

  it("is total: every input from every status answers without throwing", () => {
    const inputs: LifecycleInput[] = [
      connect,
      close,
      shutdown,
      { type: "login_step", step: { method: "qr", qr: "q", attempt: 1 } },
      { type: "connected", self: { id: "x" } },
      dis("transient"),
      dis("restart_required"),
      dis("logged_out"),
      dis("conflict"),
      dis("login_expired"),
      dis("fatal"),
      { type: "retry_due" },
      { type: "logout_started" },
      { type: "logout_aborted", restore: { desired: "running", status: S.stopped } },
      { type: "logout_finished", remote: "revoked" },
    ];
    for (const name of Object.keys(S) as Name[]) {
      for (const d of ["running", "stopped"] as const) {
        for (const input of inputs) {
          const from = st(name, d);
          const r = transition(from, input, env);
          expect(r.state.status.state).toBeTypeOf("string");
          // A session is only opened when none is held: from a non-live status, or after the
          // connector reported the end of the live one.
          if (r.effects.some((e) => e.type === "open_session")) {
            expect(r.state.status.state).toBe("starting");
            expect(isLive(from.status) === false || input.type === "disconnected").toBe(true);
          }
          // A session is only closed when one may be held.
          if (r.effects.some((e) => e.type === "close_session")) {
            expect(isLive(from.status) || from.status.state === "reconnecting").toBe(true);
          }
        }
      }
    }
  });
});

describe("backoffDelay", () => {
  const p = { ...DEFAULT_RECONNECT_POLICY, baseMs: 1_000, capMs: 10_000 };
  it.each([
    [1, 0, 500],
    [1, 0.999999, 1_000],
    [2, 0, 1_000],
    [3, 0.5, 3_000],
    [4, 1, 8_000],
    [5, 0, 5_000],
    [50, 1, 10_000],
  ])("attempt %i with random %f → %i ms", (attempt, random, ms) => {
    expect(backoffDelay(attempt, p, random)).toBe(ms);
  });

  it("never exceeds the cap and never goes below half a step", () => {
    for (let a = 1; a < 40; a++) {
      for (const r of [0, 0.25, 0.5, 0.75, 0.99]) {
        const d = backoffDelay(a, p, r);
        expect(d).toBeLessThanOrEqual(p.capMs);
        expect(d).toBeGreaterThanOrEqual(Math.min(p.capMs, p.baseMs * 2 ** (a - 1)) / 2);
      }
    }
  });
});

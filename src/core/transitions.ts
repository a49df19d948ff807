import type { ErrorInfo } from "./errors.js";
import type { LoginStep } from "./connector.js";
import { backoffDelay, type ReconnectPolicy } from "./reconnect.js";
import { isLive, type DesiredState, type DisconnectKind, type InstanceStatus, type RemoteLogoutOutcome, type SelfInfo } from "./status.js";

/**
 * The lifecycle state machine as one pure function (DESIGN §2). The runtime feeds it inputs (verbs,
 * connector reports, timers) and carries out the effects it returns; the function itself does no I/O
 * and reads no clock: time and randomness come in through {@link TransitionEnv}.
 */
export interface LifecycleState {
  desired: DesiredState;
  status: InstanceStatus;
  /** Consecutive transient failures since the last `connected`. */
  failures: number;
  /** Consecutive `restart_required` ends since the last `connected`. */
  restarts: number;
}

/** Everything that can happen to an instance. */
export type LifecycleInput =
  /** The `connect` verb. */
  | { type: "connect" }
  /** The `close` verb. */
  | { type: "close" }
  /** Graceful shutdown (SIGTERM): close without touching `desired`. */
  | { type: "shutdown" }
  | { type: "login_step"; step: LoginStep }
  | { type: "connected"; self: SelfInfo }
  | { type: "disconnected"; kind: DisconnectKind; error: ErrorInfo }
  /** The backoff timer of a `reconnecting` instance fired. */
  | { type: "retry_due" }
  /** The `logout` verb began (its intent is already stored). */
  | { type: "logout_started" }
  /** The logout could not be confirmed and was not forced: go back to what was before. */
  | { type: "logout_aborted"; restore: { desired: DesiredState; status: InstanceStatus } }
  /** Credentials are wiped: the logout is done. `remote` is what the platform said. */
  | { type: "logout_finished"; remote: RemoteLogoutOutcome };

/** What the runtime must do after a transition, in order. */
export type Effect =
  | { type: "open_session" }
  | { type: "close_session" }
  | { type: "schedule_retry"; at: number }
  | { type: "cancel_retry" }
  | { type: "wipe_credentials" };

/** Time and randomness for one transition. `now` is epoch ms; `random` is in [0, 1). */
export interface TransitionEnv {
  now: number;
  random: number;
  policy: ReconnectPolicy;
}

/** The result of {@link transition}. `changed` is false when the input was ignored (stale or a no-op). */
export interface TransitionResult {
  state: LifecycleState;
  effects: Effect[];
  changed: boolean;
}

/** The initial state of a record that has never run, or of any record at boot. */
export function initialState(desired: DesiredState): LifecycleState {
  return { desired, status: { state: "stopped", reason: "user" }, failures: 0, restarts: 0 };
}


/**
 * Applies one input to one instance's lifecycle state. Pure and total: an input that does not apply
 * to the current status (a late connector report, a timer that lost a race) is ignored with
 * `changed: false`.
 */
export function transition(s: LifecycleState, input: LifecycleInput, env: TransitionEnv): TransitionResult {
  const st = s.status.state;
  const live = isLive(s.status);
  const same = (): TransitionResult => ({ state: s, effects: [], changed: false });
  const to = (patch: Partial<LifecycleState>, effects: Effect[] = []): TransitionResult => move(s, patch, effects);

  switch (input.type) {
    case "connect": {
      if (live || st === "logging_out") {
        return s.desired === "running" ? same() : to({ desired: "running" });
      }
      if (st === "reconnecting") {
        return to({ desired: "running", status: { state: "starting" } }, [{ type: "cancel_retry" }, { type: "open_session" }]);
      }
      // stopped, logged_out, conflict, failed: a fresh attempt.
      return to({ desired: "running", status: { state: "starting" }, failures: 0, restarts: 0 }, [{ type: "open_session" }]);
    }

    case "close": {
      if (live || st === "reconnecting") {
        return to({ desired: "stopped", status: { state: "stopped", reason: "user" } }, [
          { type: "cancel_retry" },
          { type: "close_session" },
        ]);
      }
      if (st === "logged_out" || st === "logging_out") return s.desired === "stopped" ? same() : to({ desired: "stopped" });
      if (st === "stopped" && (s.status.reason === "user" || s.status.reason === "created") && s.desired === "stopped") return same();
      return to({ desired: "stopped", status: { state: "stopped", reason: "user" } });
    }

    case "shutdown": {
      if (live || st === "reconnecting") {
        return to({ status: { state: "stopped", reason: "shutdown" } }, [{ type: "cancel_retry" }, { type: "close_session" }]);
      }
      return same();
    }

    case "login_step": {
      if (st !== "starting" && st !== "awaiting_login") return same();
      const { method, qr, code, expiresAt, attempt } = input.step;
      const status: InstanceStatus = { state: "awaiting_login", method, attempt };
      if (qr !== undefined) status.qr = qr;
      if (code !== undefined) status.code = code;
      if (expiresAt !== undefined) status.expiresAt = expiresAt;
      return to({ status });
    }

    case "connected": {
      if (st !== "starting" && st !== "awaiting_login") return same();
      return to({ status: { state: "connected", since: env.now, self: input.self }, failures: 0, restarts: 0 });
    }

    case "disconnected": {
      if (!live) return same();
      return disconnected(s, input.kind, input.error, env);
    }

    case "retry_due": {
      if (st !== "reconnecting" || s.desired !== "running") return same();
      return to({ status: { state: "starting" } }, [{ type: "open_session" }]);
    }

    case "logout_started": {
      if (st === "logging_out") return same();
      return to({ desired: "stopped", status: { state: "logging_out" } }, [{ type: "cancel_retry" }]);
    }

    case "logout_aborted": {
      if (st !== "logging_out") return same();
      const { desired, status } = input.restore;
      // logout_started cancelled the retry timer: a restored `reconnecting` needs it back.
      const effects: Effect[] = status.state === "reconnecting" && desired === "running" ? [{ type: "schedule_retry", at: status.retryAt }] : [];
      return to({ desired, status }, effects);
    }

    case "logout_finished": {
      return to({ desired: "stopped", status: { state: "logged_out", reason: "user", remote: input.remote }, failures: 0, restarts: 0 });
    }
  }
}

function move(s: LifecycleState, patch: Partial<LifecycleState>, effects: Effect[]): TransitionResult {
  return { state: { ...s, ...patch }, effects, changed: true };
}

function disconnected(s: LifecycleState, kind: DisconnectKind, error: ErrorInfo, env: TransitionEnv): TransitionResult {
  const to = (patch: Partial<LifecycleState>, effects: Effect[] = []): TransitionResult => move(s, patch, effects);
  if (kind === "restart_required" && s.restarts < env.policy.maxRestarts) {
    return to({ status: { state: "starting" }, restarts: s.restarts + 1 }, [{ type: "open_session" }]);
  }
  switch (kind) {
    case "transient":
    case "restart_required": {
      const failures = s.failures + 1;
      if (failures > env.policy.maxAttempts) {
        return to({ status: { state: "failed", error }, failures });
      }
      const at = env.now + backoffDelay(failures, env.policy, env.random);
      return to({ status: { state: "reconnecting", attempt: failures, retryAt: at, lastError: error }, failures }, [
        { type: "schedule_retry", at },
      ]);
    }
    case "logged_out":
      return to({ desired: "stopped", status: { state: "logged_out", reason: "remote", remote: "revoked" }, failures: 0, restarts: 0 }, [
        { type: "wipe_credentials" },
      ]);
    case "conflict":
      return to({ desired: "stopped", status: { state: "conflict", error } });
    case "login_expired":
      return to({ desired: "stopped", status: { state: "stopped", reason: "login_expired" } });
    case "fatal":
      return to({ desired: "stopped", status: { state: "failed", error } });
  }
}

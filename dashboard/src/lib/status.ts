/** Words for an instance's observed status. Pure: no DOM. */

/** The part of `InstanceStatus` (docs/api.md, the instance object) this module reads. */
export interface StatusLike {
  state: string;
  reason?: string;
  method?: string;
  attempt?: number;
  retryAt?: number;
  self?: { id: string; name?: string };
  remote?: string;
  error?: { code?: string; message?: string } | null;
  lastError?: { code?: string; message?: string } | null;
}

/** Words for each `stopped` reason. */
const STOP_REASONS: Record<string, string> = {
  created: "just created: connect to log in",
  user: "closed",
  shutdown: "the gateway stopped; it reconnects on start",
  login_expired: "the login codes ran out: connect again",
};

/** The state as shown in lists: `awaiting_login` → "awaiting login". */
export function stateLabel(state: string): string {
  return state.replace(/_/g, " ");
}

/** One line about the status beyond its state, or "" (e.g. "as @demo_bot", "remote: revoked"). */
export function statusDetail(s: StatusLike): string {
  switch (s.state) {
    case "connected":
      return s.self ? `as ${s.self.name ?? s.self.id}` : "";
    case "awaiting_login":
      return s.method ? `by ${s.method.replace(/_/g, " ")}${s.attempt ? `, attempt ${s.attempt}` : ""}` : "";
    case "reconnecting":
      return `attempt ${s.attempt ?? "?"}${s.lastError?.message ? `: ${s.lastError.message}` : ""}`;
    case "logged_out":
      return [s.reason ? `by ${s.reason}` : "", s.remote ? `remote: ${s.remote.replace(/_/g, " ")}` : ""].filter(Boolean).join(", ");
    case "stopped":
      return s.reason ? (STOP_REASONS[s.reason] ?? s.reason.replace(/_/g, " ")) : "";
    case "failed":
    case "conflict":
      return s.error?.message ?? s.error?.code ?? "";
    default:
      return "";
  }
}

/** Which lifecycle verbs make sense now (all stay available; this only picks the highlighted one). */
export function suggestedVerb(state: string): "connect" | "close" | "logout" {
  if (state === "connected" || state === "reconnecting" || state === "awaiting_login" || state === "starting") return "close";
  if (state === "logging_out") return "logout";
  return "connect";
}

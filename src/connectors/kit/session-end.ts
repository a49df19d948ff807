import type { ConnectorLogger, SessionHost } from "../../core/connector.js";
import type { ErrorInfo } from "../../core/errors.js";
import type { DisconnectKind } from "../../core/status.js";

/** What a session reports when it ends. */
export interface Disconnect {
  kind: DisconnectKind;
  error: ErrorInfo;
}

/**
 * The end of one connector session, the part every connector needs the same way:
 * - a session ends **once**: the first {@link end} wins, later ones are ignored;
 * - after {@link close} (the core closed it) nothing is reported any more;
 * - while a remote operation runs ({@link holdDuring}: a logout through the live session, a
 *   `logOut` of a bot), an end is **held back** instead of reported, because the operation itself
 *   may cause it (the platform ends the stream it was asked to end); the caller then decides
 *   whether the held end is reported or belongs to the operation. Once the operation succeeded,
 *   ends stay held until the session is closed: its effect ends the session, and the caller or the
 *   core closes it (a report in between would be taken for the platform ending it).
 *
 * Never throws. Not a state machine of the session's own: only of its end.
 */
export class SessionEnd {
  private isClosed = false;
  private isEnded = false;
  private holding = 0;
  private held: Disconnect | null = null;

  /** @param label names the platform in the log line of a reported end (e.g. `telegram`). */
  constructor(
    private readonly host: SessionHost,
    private readonly logger: ConnectorLogger,
    private readonly label: string,
  ) {}

  /** The core closed the session: nothing is reported from now on. Idempotent. */
  close(): void {
    this.isClosed = true;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Whether the session ended (reported, held back, or closed). */
  get over(): boolean {
    return this.isClosed || this.isEnded;
  }

  /**
   * Ends the session with `d`: reported to the core now, or held back while {@link holdDuring}
   * runs. @returns true when this call ended the session (false: it had ended or was closed).
   */
  end(d: Disconnect): boolean {
    if (this.isClosed || this.isEnded) return false;
    this.isEnded = true;
    if (this.holding > 0) {
      this.logger.info({ kind: d.kind, code: d.error.code }, `${this.label} session ended during a remote operation`);
      this.held = d;
      return true;
    }
    this.report(d);
    return true;
  }

  /**
   * Runs `fn` with ends held back. Answers what `fn` gave (or threw) and the end held back meanwhile
   * (null when none); the held end is not reported — pass it to {@link report} when it is not the
   * operation's own doing. After a success, ends stay held until {@link close}.
   */
  async holdDuring<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T; held: Disconnect | null } | { ok: false; error: unknown; held: Disconnect | null }> {
    this.holding++;
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      this.holding--;
      return { ok: false, error, held: this.takeHeld() };
    }
    return { ok: true, value, held: this.takeHeld() };
  }

  /** Reports `d` to the core now (unless closed), with one warning line. */
  report(d: Disconnect): void {
    if (this.isClosed) return;
    this.logger.warn({ kind: d.kind, code: d.error.code, message: d.error.message }, `${this.label} session ended`);
    this.host.disconnected(d);
  }

  private takeHeld(): Disconnect | null {
    const d = this.held;
    this.held = null;
    return d;
  }
}

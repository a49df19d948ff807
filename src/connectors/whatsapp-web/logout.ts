import type { BaileysEventMap, SignalKeyStore, WASocket } from "baileys";
import type { RemoteContext } from "../../core/connector.js";
import { PlatformUnreachableError, err } from "../../core/errors.js";
import { readCreds } from "./auth-state.js";
import { classifyClose, closeInfo } from "./close-codes.js";
import { readConfig } from "./config.js";
import { removeCompanionDevice, untilAborted } from "./remove-device.js";
import { WhatsAppWebSession } from "./session.js";
import { type SocketDeps, openSocket } from "./socket.js";

const LATE = "WhatsApp did not confirm the unlink in time.";

/**
 * The remote half of `logout`: unlinks this device (`remove-companion-device`) and waits for the
 * server's answer.
 *
 * - With a connected session: through its socket (see {@link WhatsAppWebSession.unlink}).
 * - Otherwise: a short-lived socket logs in with the stored creds, sends the IQ right after
 *   `<success>`, awaits the result and closes. It gets an empty key store that refuses writes, so it
 *   uploads no pre-keys the stored state would lack, and it ignores every chat (Baileys answers such
 *   messages with a nack, so WhatsApp keeps them queued).
 *
 * @returns `revoked` when the server confirmed; `already_revoked` when WhatsApp refuses the creds
 *   (401: the device was already removed) or they never belonged to a linked device.
 * @throws {PlatformUnreachableError} when WhatsApp cannot be reached or does not answer before
 *   `ctx.signal` aborts; the core keeps the credentials unless forced.
 */
export async function logoutRemote(ctx: RemoteContext, deps: SocketDeps): Promise<"revoked" | "already_revoked"> {
  if (ctx.session instanceof WhatsAppWebSession) {
    const done = await ctx.session.unlink(ctx.signal);
    if (done) return done;
  }
  const creds = readCreds(ctx.credentials);
  if (!creds?.me?.id || !creds.account) return "already_revoked";
  const jid = creds.me.id;
  const config = readConfig(ctx.config);
  let sock: WASocket;
  try {
    sock = openSocket(config, { creds, keys: READ_ONLY_KEYS }, deps, ctx.logger, ctx.net, {
      shouldIgnoreJid: () => true,
      markOnlineOnConnect: false,
      fireInitQueries: false,
      transactionOpts: { maxCommitRetries: 1, delayBetweenTriesMs: 0 },
    });
  } catch (e) {
    throw new PlatformUnreachableError("Could not open a WhatsApp connection for the logout.", { cause: e });
  }
  try {
    return await untilAborted(unlinkOnce(sock, jid), ctx.signal, LATE);
  } finally {
    sock.end(undefined);
  }
}

/** Logs in, unlinks after `<success>`; 401 on login means already unlinked. */
function unlinkOnce(sock: WASocket, jid: string): Promise<"revoked" | "already_revoked"> {
  return new Promise((resolve, reject) => {
    let unlinking = false;
    sock.ws.on("CB:success", () => {
      unlinking = true;
      removeCompanionDevice(sock, jid).then(() => resolve("revoked"), reject);
    });
    sock.ev.on("connection.update", (u: BaileysEventMap["connection.update"]) => {
      if (u.connection !== "close" || unlinking) return;
      const d = classifyClose(closeInfo(u.lastDisconnect?.error));
      if (d.kind === "logged_out") resolve("already_revoked");
      else reject(new PlatformUnreachableError(`WhatsApp could not be reached for the logout: ${d.error.message}`));
    });
  });
}

/** An empty Signal key store that refuses writes (the logout socket must not change key state). */
const READ_ONLY_KEYS: SignalKeyStore = {
  get: async () => ({}),
  set: async () => {
    throw err("INVALID_STATE", { message: "The logout connection stores no keys." });
  },
};

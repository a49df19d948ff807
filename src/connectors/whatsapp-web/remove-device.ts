import { type BinaryNode, S_WHATSAPP_NET, type WASocket } from "baileys";
import { PlatformUnreachableError } from "../../core/errors.js";

/** Upper bound Baileys gets for the unlink query itself; the caller's signal usually ends it earlier. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * The unlink IQ, as Baileys' own `logout()` builds it (lib/Socket/socket.js): `<iq to="s.whatsapp.net"
 * type="set" xmlns="md"><remove-companion-device jid="<own device JID>" reason="user_initiated"/></iq>`.
 */
export function removeCompanionDeviceNode(jid: string): BinaryNode {
  return {
    tag: "iq",
    attrs: { to: S_WHATSAPP_NET, type: "set", xmlns: "md" },
    content: [{ tag: "remove-companion-device", attrs: { jid, reason: "user_initiated" } }],
  };
}

/**
 * Sends the unlink IQ and resolves once the server answered `<iq type="result">` — unlike Baileys'
 * `logout()`, which sends it and closes without waiting.
 * @throws {PlatformUnreachableError} no answer (the socket closed, Baileys' query timed out) or an
 *   `<error>` answer.
 */
export async function removeCompanionDevice(sock: WASocket, jid: string): Promise<void> {
  let answer: BinaryNode | undefined;
  try {
    answer = await sock.query(removeCompanionDeviceNode(jid), QUERY_TIMEOUT_MS);
  } catch (e) {
    const code = (e as { data?: unknown }).data;
    throw new PlatformUnreachableError(
      typeof code === "number" ? `WhatsApp refused the unlink (error ${code}).` : "WhatsApp did not answer the unlink.",
      { cause: e },
    );
  }
  // Baileys resolves a timed-out query with undefined instead of rejecting.
  if (!answer) throw new PlatformUnreachableError("WhatsApp did not answer the unlink.");
  if (answer.attrs.type !== "result") throw new PlatformUnreachableError(`WhatsApp answered the unlink with type=${answer.attrs.type ?? "none"}.`);
}

/**
 * `work`, or a {@link PlatformUnreachableError} with `message` as soon as `signal` aborts.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new PlatformUnreachableError(message));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new PlatformUnreachableError(message));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

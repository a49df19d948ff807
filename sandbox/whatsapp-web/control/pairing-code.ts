/**
 * Control route of linking by pairing code (see handlers/pairing-code.ts):
 *
 *   POST /sandbox/phones/:id/pairing-code  {code}  → 200 {jid, lid} once the client is linked
 *
 * `code` is what the client's `requestPairingCode` returned (8 characters; case, "-" and spaces are
 * ignored). Errors (SandboxError): 400 `bad_request` (no code string) / `bad_code`, 404 `phone_not_found`
 * / `pairing_code_not_requested`, 409 `pairing_in_progress`, 403 `wrong_pairing_code`, 504 `pairing_code_timeout`, 502 `pairing_failed`.
 */
import type { ControlRoute } from "../../kit/control.js";
import { enterPairingCode } from "../handlers/pairing-code.js";
import { SandboxError, type SandboxState } from "../state.js";

export function pairingCodeRoutes(state: SandboxState): ControlRoute[] {
  return [
    {
      method: "POST",
      path: "/phones/:id/pairing-code",
      doc: "POST /sandbox/phones/:id/pairing-code {code} — the phone enters the client's pairing code; {jid, lid} once linked",
      run: async ({ params, body }) => {
        const b = await body();
        if (typeof b.code !== "string") throw new SandboxError(400, "bad_request", "body.code must be the pairing code the client shows");
        return enterPairingCode(state, params.id!, b.code);
      },
    },
  ];
}

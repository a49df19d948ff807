/**
 * The HTTP control API (JSON), under /sandbox on the same port as the WebSocket endpoint, on the
 * sandbox kit's router (sandbox/kit/control.ts): every area declares its routes as data in
 * `control/<area>.ts`; the phones' own routes are here:
 *
 *   POST /sandbox/phones               {number?, platform?}  → 201 PhoneInfo
 *   GET  /sandbox/phones                          → 200 {phones: PhoneInfo[]} (in creation order)
 *   GET  /sandbox/phones/:id                      → 200 PhoneInfo (with its linked devices)
 *   POST /sandbox/phones/:id/scan      {qr}       → 200 {jid, lid} once the client is linked
 *   GET  /sandbox                                 → 200 {routes: [one line per route]}
 *
 * Errors: `{error: {code, message}}` with the status of the {@link SandboxError} (400 bad JSON or
 * a path parameter that is not valid percent-encoding is `bad_request`, unknown routes 404
 * `not_found`, another method 405 `method_not_allowed`).
 */
import type { RequestListener } from "node:http";
import { ControlError, type ControlEnvelope, type ControlRoute, answer, controlRouter } from "../kit/control.js";
import { deviceRoutes } from "./control/devices.js";
import { faultRoutes } from "./control/faults.js";
import { messageRoutes } from "./control/messages.js";
import { pairingCodeRoutes } from "./control/pairing-code.js";
import { type CreatePhoneInput, SandboxError, type SandboxState } from "./state.js";

/** The sandbox's answers: the JSON as is; failures `{error: {code, message}}`. */
const envelope: ControlEnvelope = {
  ok: (result) => result,
  error: (e) => {
    if (e instanceof ControlError) return [e.status, { error: { code: e.code, message: e.message } }];
    return [500, { error: { code: "internal", message: e instanceof Error ? e.message : String(e) } }];
  },
};

function phoneRoutes(state: SandboxState): ControlRoute[] {
  return [
    {
      method: "POST",
      path: "/phones",
      doc: "POST /sandbox/phones {number?, platform?} — a phone (an account)",
      run: async ({ body }) => answer(201, state.createPhone((await body()) as CreatePhoneInput)),
    },
    { method: "GET", path: "/phones", doc: "GET /sandbox/phones — every phone, in creation order", run: () => ({ phones: state.listPhones() }) },
    { method: "GET", path: "/phones/:id", doc: "GET /sandbox/phones/:id — one phone with its linked devices", run: ({ params }) => state.phone(params.id!).info() },
    {
      method: "POST",
      path: "/phones/:id/scan",
      doc: "POST /sandbox/phones/:id/scan {qr} — the phone scans a client's QR; {jid, lid} once the client is linked",
      run: async ({ params, body }) => {
        const b = await body();
        if (typeof b.qr !== "string") throw new SandboxError(400, "bad_request", "body.qr must be the QR string");
        return state.scan(params.id!, b.qr);
      },
    },
  ];
}

/** The control API's request handler (paths under /sandbox). */
export function controlHandler(state: SandboxState): RequestListener {
  const handle = controlRouter({
    routes: [...faultRoutes(state), ...messageRoutes(state), ...pairingCodeRoutes(state), ...deviceRoutes(state), ...phoneRoutes(state)],
    envelope,
  });
  return (req, res) => void handle(req, res);
}

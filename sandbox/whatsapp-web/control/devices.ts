/**
 * Control routes of linked devices (rules in ../devices.ts):
 *
 *   GET    /sandbox/phones/:id/devices          → 200 {devices: DeviceInfo[]} (confirmed devices, by number)
 *   DELETE /sandbox/phones/:id/devices/:device  → 200 {removed: DeviceInfo} (`connected`: whether a
 *          session was open, which got stream error 401 device_removed and was closed)
 *
 * `:device` is the device number ("1"), its JID or its LID (URL-encoded). Errors (SandboxError):
 * 404 `phone_not_found`, 404 `device_not_found`.
 */
import type { ControlRoute } from "../../kit/control.js";
import { findDevice, listDevices, removeDevice } from "../devices.js";
import { SandboxError, type SandboxState } from "../state.js";

export function deviceRoutes(state: SandboxState): ControlRoute[] {
  return [
    {
      method: "GET",
      path: "/phones/:id/devices",
      doc: "GET /sandbox/phones/:id/devices — the phone's linked devices",
      run: ({ params }) => ({ devices: listDevices(state, state.phone(params.id!)) }),
    },
    {
      method: "DELETE",
      path: "/phones/:id/devices/:device",
      doc: "DELETE /sandbox/phones/:id/devices/:device — the phone removes a linked device (its session gets 401 device_removed)",
      run: ({ params }) => {
        const phone = state.phone(params.id!);
        const device = findDevice(phone, params.device!);
        if (!device) throw new SandboxError(404, "device_not_found", `phone ${phone.id} has no linked device ${params.device!}`);
        return { removed: removeDevice(state, phone, device) };
      },
    },
  ];
}

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
import type { ControlRequest } from "../control.js";
import { findDevice, listDevices, removeDevice } from "../devices.js";
import { SandboxError, type SandboxState } from "../state.js";
import { param } from "./param.js";

const LIST = /^\/sandbox\/phones\/([^/]+)\/devices$/;
const ONE = /^\/sandbox\/phones\/([^/]+)\/devices\/([^/]+)$/;

export function deviceRoutes(state: SandboxState, req: ControlRequest): [number, unknown] | undefined {
  const list = LIST.exec(req.path);
  if (list && req.method === "GET") {
    const phone = state.phone(param(list[1]!));
    return [200, { devices: listDevices(state, phone) }];
  }
  const one = ONE.exec(req.path);
  if (one && req.method === "DELETE") {
    const phone = state.phone(param(one[1]!));
    const ref = param(one[2]!);
    const device = findDevice(phone, ref);
    if (!device) throw new SandboxError(404, "device_not_found", `phone ${phone.id} has no linked device ${ref}`);
    return [200, { removed: removeDevice(state, phone, device) }];
  }
  return undefined;
}

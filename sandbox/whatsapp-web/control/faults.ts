/**
 * Control routes of fault injection (see faults.ts for what each kind does):
 *
 *   POST   /sandbox/faults      {kind: "drop", phone?, device?, connection?}        → 200 {dropped: n}
 *   POST   /sandbox/faults      {kind: "silence" | "delay", phone?, device?, connection?, ms?} → 201 FaultRule
 *   GET    /sandbox/faults                                                          → 200 {faults: FaultRule[]}
 *   DELETE /sandbox/faults                                                          → 200 {cleared: n}
 *   DELETE /sandbox/faults/:id                                                      → 200 {cleared: 1}
 *   GET    /sandbox/connections                                                     → 200 {connections: ConnectionInfo[]}
 *
 * `phone` is a phone id, `device` a device number (with `phone`), `connection` an id from
 * GET /sandbox/connections, `ms` (delay only) 1..600 000. Errors (SandboxError): 400 `bad_fault`,
 * 404 `phone_not_found`, 404 `fault_not_found`.
 */
import type { ControlRequest } from "../control.js";
import { type FaultInput, faultsOf } from "../faults.js";
import { SandboxError, type SandboxState } from "../state.js";
import { param } from "./param.js";

export async function faultRoutes(state: SandboxState, req: ControlRequest): Promise<[number, unknown] | undefined> {
  const faults = faultsOf(state);
  if (req.path === "/sandbox/connections" && req.method === "GET") return [200, { connections: faults.connections() }];
  if (req.path === "/sandbox/faults") {
    if (req.method === "GET") return [200, { faults: faults.list() }];
    if (req.method === "DELETE") return [200, { cleared: faults.clear() }];
    if (req.method === "POST") {
      const result = faults.add((await req.body()) as unknown as FaultInput);
      return "dropped" in result ? [200, result] : [201, result];
    }
    return undefined;
  }
  const m = /^\/sandbox\/faults\/([^/]+)$/.exec(req.path);
  if (m && req.method === "DELETE") {
    const cleared = faults.clear(param(m[1]!));
    if (cleared === 0) throw new SandboxError(404, "fault_not_found", `no fault ${m[1]!}`);
    return [200, { cleared }];
  }
  return undefined;
}

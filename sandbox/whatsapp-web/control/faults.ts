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
import { type ControlRoute, answer } from "../../kit/control.js";
import { type FaultInput, faultsOf } from "../faults.js";
import { SandboxError, type SandboxState } from "../state.js";

export function faultRoutes(state: SandboxState): ControlRoute[] {
  const faults = faultsOf(state);
  return [
    { method: "GET", path: "/connections", doc: "GET /sandbox/connections — the open client connections", run: () => ({ connections: faults.connections() }) },
    { method: "GET", path: "/faults", doc: "GET /sandbox/faults — the kept faults", run: () => ({ faults: faults.list() }) },
    { method: "DELETE", path: "/faults", doc: "DELETE /sandbox/faults — clears every fault", run: () => ({ cleared: faults.clear() }) },
    {
      method: "POST",
      path: "/faults",
      doc: 'POST /sandbox/faults {kind: "drop"|"silence"|"delay", phone?, device?, connection?, ms?} — drop connections, or keep a silence/delay rule',
      run: async ({ body }) => {
        const result = faults.add((await body()) as unknown as FaultInput);
        return "dropped" in result ? result : answer(201, result);
      },
    },
    {
      method: "DELETE",
      path: "/faults/:id",
      doc: "DELETE /sandbox/faults/:id — clears one fault",
      run: ({ params }) => {
        const cleared = faults.clear(params.id!);
        if (cleared === 0) throw new SandboxError(404, "fault_not_found", `no fault ${params.id!}`);
        return { cleared };
      },
    },
  ];
}

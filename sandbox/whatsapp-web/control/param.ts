/**
 * One URL path parameter of a control route, percent-decoded. SandboxError 400 `bad_request` when
 * it is not valid percent-encoding (decodeURIComponent's URIError, e.g. "%E0%A4%A").
 */
import { SandboxError } from "../state.js";

export function param(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new SandboxError(400, "bad_request", `path parameter ${JSON.stringify(raw)} is not valid percent-encoding`);
  }
}

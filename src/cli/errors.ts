import { CliApiError, GatewayTimeoutError, GatewayUnreachableError } from "./client.js";

/**
 * Exit codes of `switchboard` (a contract: scripts depend on them).
 * - 0 success;
 * - 1 generic failure, or an API error not listed below (validation, conflict, 5xx, timeout…);
 * - 2 usage error (unknown option, bad option value, missing argument, refused confirmation);
 * - 3 the gateway cannot be reached;
 * - 4 authentication or authorisation (HTTP 401 / 403);
 * - 5 not found (HTTP 404).
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  unreachable: 3,
  auth: 4,
  notFound: 5,
} as const;

/** A usage error raised by the CLI itself (bad JSON in an option, a refused confirmation…): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The exit code for anything thrown by a command (see {@link EXIT}). */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof GatewayUnreachableError) return EXIT.unreachable;
  if (e instanceof CliApiError) {
    if (e.status === 401 || e.status === 403) return EXIT.auth;
    if (e.status === 404) return EXIT.notFound;
    return EXIT.failure;
  }
  if (e instanceof GatewayTimeoutError) return EXIT.failure;
  return EXIT.failure;
}

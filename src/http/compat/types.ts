import type { FastifyInstance } from "fastify";
import type { GatewayApi } from "../../core/api.js";

/** The names of the compat profiles (`serve --compat ryze,wwebjs`). */
export type CompatProfileName = "ryze" | "wwebjs";

/** Which compat profiles a gateway serves (off by default) and what they are bound to. */
export interface CompatOptions {
  /** The profiles to serve; none when empty. */
  profiles: readonly CompatProfileName[];
  /**
   * The one instance the `wwebjs` profile answers for (`--compat-instance`, a single-session
   * server has one session). Required when `wwebjs` is served.
   */
  instance?: string;
}

/** What a profile's routes need: the core verbs only (no store, no lifecycle of their own). */
export interface CompatDeps {
  gateway: GatewayApi;
  /** See {@link CompatOptions.instance}. */
  instance?: string;
}

/**
 * One drop-in REST profile: another gateway's contract answered to the letter over the core verbs.
 * `register` adds its routes in an encapsulated Fastify scope with its own error answers; the
 * routes carry `config.ownRateLimit` when the profile limits on its own.
 */
export interface CompatProfile {
  name: CompatProfileName;
  /** One line for `--help` and the docs. */
  summary: string;
  /** The OpenAPI tag of its routes. */
  tag: string;
  /** @throws Error when the options do not fit the profile (e.g. no bound instance). */
  register(app: FastifyInstance, deps: CompatDeps): Promise<void>;
}

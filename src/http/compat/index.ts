import type { FastifyInstance } from "fastify";
import { err } from "../../core/errors.js";
import { ryzeProfile } from "./ryze/routes.js";
import type { CompatDeps, CompatOptions, CompatProfile, CompatProfileName } from "./types.js";
import { wwebjsProfile } from "./wwebjs/routes.js";

export type { CompatOptions, CompatProfileName } from "./types.js";

/** Every drop-in REST profile, by name (docs/compat.md). Off unless named in {@link CompatOptions.profiles}. */
export const COMPAT_PROFILES: readonly CompatProfile[] = [ryzeProfile, wwebjsProfile];

/**
 * Reads a comma-separated profile list (`--compat ryze,wwebjs`, `SWITCHBOARD_COMPAT`); blanks are
 * ignored, repeats kept once.
 * @throws `VALIDATION_FAILED` naming the unknown profile and the known ones.
 */
export function parseCompatProfiles(text: string): CompatProfileName[] {
  const names = [...new Set(text.split(",").map((s) => s.trim()).filter((s) => s !== ""))];
  const known = COMPAT_PROFILES.map((p) => p.name as string);
  for (const n of names) {
    if (!known.includes(n)) {
      throw err("VALIDATION_FAILED", { message: `Unknown compat profile '${n}': choose from ${known.join(", ")}.`, details: { profile: n, known } });
    }
  }
  return names as CompatProfileName[];
}

/**
 * Adds the routes of the profiles `options` names to `app` (before it is ready; with the OpenAPI
 * generator registered first, their routes appear there under each profile's tag).
 * @throws Error when a profile's options are missing (the `wwebjs` profile without an instance).
 */
export async function registerCompat(app: FastifyInstance, deps: Omit<CompatDeps, "instance">, options: CompatOptions): Promise<void> {
  for (const profile of COMPAT_PROFILES) {
    if (!options.profiles.includes(profile.name)) continue;
    await profile.register(app, { ...deps, ...(options.instance !== undefined ? { instance: options.instance } : {}) });
  }
}

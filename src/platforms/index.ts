/**
 * The one list of platforms. Everything that is not the core — `serve`, sandbox mode, the
 * `/sandbox/*` proxy, the CLI's `sandbox` commands, the dashboard's panels — reads this list and
 * names no platform. Add a platform here, once.
 */
import { telegramPlatform } from "./telegram.js";
import type { AnyPlatformModule } from "./types.js";
import { whatsappWebPlatform } from "./whatsapp-web.js";

export type { AnyPlatformModule, PlatformModule, RunningSandbox, SandboxModule, SandboxOption, SandboxStartInput } from "./types.js";
export { definePlatform } from "./types.js";
export type { SandboxPanel } from "./panel.js";

/** The platforms `switchboard serve` loads, in the order they are listed (and shown). */
export const PLATFORMS: readonly AnyPlatformModule[] = [telegramPlatform, whatsappWebPlatform];

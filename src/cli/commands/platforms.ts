import type { Command } from "commander";
import { contextOf, type CliIo } from "../context.js";
import { formatPlatforms, type PlatformItem } from "../output.js";

/** Registers `platforms`: the registered connectors, their login methods, capabilities and actions. */
export function registerPlatforms(program: Command, io: CliIo): void {
  program
    .command("platforms")
    .description("list the platforms this gateway supports (login methods, remote logout, actions)")
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.client().request<{ items: PlatformItem[] }>("GET", "/v1/platforms");
      await ctx.emit(res, () => formatPlatforms(res.items));
    });
}

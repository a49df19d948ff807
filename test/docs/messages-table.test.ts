/**
 * docs/messages.md's support table is the platforms' declared data (`capabilities.messages`),
 * rendered by src/core/message-support-table.ts: a platform that changes what it supports changes
 * the doc (`npm run docs:messages`), or this fails.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TABLE_END, TABLE_START, supportTable } from "../../src/core/message-support-table.js";
import { TEXT_ONLY } from "../../src/core/messages.js";
import { PLATFORMS } from "../../src/platforms/index.js";

describe("docs/messages.md", () => {
  it("holds the support table made from every platform's capabilities.messages", async () => {
    const rows = await Promise.all(
      PLATFORMS.map(async (p) => ({ platform: p.id, displayName: p.displayName, messages: (await p.connector()).capabilities.messages ?? TEXT_ONLY })),
    );
    const doc = readFileSync(new URL("../../docs/messages.md", import.meta.url), "utf8");
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    expect(start, "the start marker").toBeGreaterThanOrEqual(0);
    expect(doc.slice(start, end + TABLE_END.length), "run `npm run docs:messages`").toBe(supportTable(rows));
  });
});

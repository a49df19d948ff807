// Rewrites the support table of docs/messages.md from the platforms' declared message support
// (run after `npm run build`: it reads dist/). Usage: npm run docs:messages
import { readFileSync, writeFileSync } from "node:fs";
import { TABLE_END, TABLE_START, supportTable } from "../dist/src/core/message-support-table.js";
import { TEXT_ONLY } from "../dist/src/core/messages.js";
import { PLATFORMS } from "../dist/src/platforms/index.js";

const rows = await Promise.all(PLATFORMS.map(async (p) => ({ platform: p.id, displayName: p.displayName, messages: (await p.connector()).capabilities.messages ?? TEXT_ONLY })));
const path = new URL("../docs/messages.md", import.meta.url);
const doc = readFileSync(path, "utf8");
const start = doc.indexOf(TABLE_START);
const end = doc.indexOf(TABLE_END);
if (start < 0 || end < 0) throw new Error("docs/messages.md has no support-table markers");
writeFileSync(path, doc.slice(0, start) + supportTable(rows) + doc.slice(end + TABLE_END.length));
console.log("docs/messages.md: support table rewritten");

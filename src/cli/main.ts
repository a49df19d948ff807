/**
 * Entry point of the `switchboard` command (`bin/switchboard.js` imports the built copy). Runs the
 * program on `process.argv` and sets `process.exitCode` (never calls `process.exit`, so `serve`
 * keeps running and pending output is flushed).
 */
import { run } from "./program.js";

process.exitCode = await run(process.argv.slice(2));

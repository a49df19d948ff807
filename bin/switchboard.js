#!/usr/bin/env node
// The `switchboard` command: runs the compiled CLI (`npm run build` → dist/, done by `prepare` on install).
import "../dist/src/cli/main.js";

// Assembles dist/dashboard/ after `tsc -p dashboard/tsconfig.json` compiled the code into
// dist/dashboard/assets/app/: copies index.html and style.css, and the SDK's built modules
// (client/dist/client/src/*.js, built by `npm run build --workspace client`) to assets/sdk/.
// Nothing is fetched. Run from the repository root: `node dashboard/build.mjs`.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "dashboard");
const sdkSrc = join(root, "client", "dist", "client", "src");
const sdkOut = join(out, "assets", "sdk");

rmSync(sdkOut, { recursive: true, force: true });
mkdirSync(sdkOut, { recursive: true });
const sdkFiles = readdirSync(sdkSrc).filter((f) => f.endsWith(".js"));
if (!sdkFiles.includes("index.js")) throw new Error(`the SDK is not built: ${sdkSrc}/index.js is missing`);
for (const f of sdkFiles) copyFileSync(join(sdkSrc, f), join(sdkOut, f));
copyFileSync(join(root, "dashboard", "static", "index.html"), join(out, "index.html"));
copyFileSync(join(root, "dashboard", "static", "style.css"), join(out, "assets", "style.css"));

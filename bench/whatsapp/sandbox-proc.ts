/**
 * The WhatsApp Web sandbox in its own process, driven by the bench over IPC, so that the Noise
 * handshakes, key uploads and pings it answers never share an event loop with what is measured.
 * The measured processes reach it only as a WhatsApp server would be reached (`wsUrl`); the bench
 * driver (run.ts) links devices through its HTTP control API.
 */
import { startWhatsAppWebSandbox } from "../../sandbox/whatsapp-web/index.js";
import { serve } from "../telegram/ipc.js";

const sandbox = await startWhatsAppWebSandbox({ port: 0 });

serve(
  {
    /** `{wsUrl, controlUrl, rootPublicKey}` (the root key in base64, for `WA_CERT_DETAILS.PUBLIC_KEY`). */
    info: () => ({ wsUrl: sandbox.wsUrl, controlUrl: sandbox.url, rootPublicKey: Buffer.from(sandbox.rootPublicKey).toString("base64") }),
    /** How many client connections are logged in now. */
    loggedIn: () => sandbox.connections().filter((c) => c.loggedIn).length,
  },
  () => sandbox.close(),
);

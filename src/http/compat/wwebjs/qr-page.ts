import QRCode from "qrcode";
import type { InstanceView } from "../../../core/api.js";
import { QR_RENDER } from "../../routes/login.js";
import { QR_PAGE_REFRESH_S } from "./contract.js";

/**
 * Headers of the QR page: never cached or stored (a valid QR is a secret), no referrer (the URL
 * may carry `access_token`), no script, no outside resource (the QR is inline SVG).
 */
export const QR_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

/**
 * The QR page of the bound instance as HTML: the QR as inline SVG while a QR login is pending, the
 * pairing code while one is, who is linked once connected, and what to do otherwise. It reloads
 * itself every {@link QR_PAGE_REFRESH_S} s (`<meta http-equiv="refresh">`, no script) until the
 * device is linked, so it follows the QR as it rotates.
 */
export async function qrPage(instance: string, view: InstanceView | null): Promise<string> {
  const s = view?.status;
  let body: string;
  let refresh = true;
  if (!s) {
    body = `<p>No session yet. Start one with <code>POST /api/auth/start</code>; this page shows its QR.</p>`;
  } else if (s.state === "awaiting_login" && s.qr !== undefined) {
    const svg = await QRCode.toString(s.qr, { ...QR_RENDER, type: "svg" });
    body = `<p>Scan with WhatsApp on your phone: <b>Settings → Linked devices → Link a device</b>.</p><div class="qr" role="img" aria-label="QR code to link a device">${svg}</div><p class="small">Attempt ${s.attempt}. The code changes every few seconds; this page follows it.</p>`;
  } else if (s.state === "awaiting_login" && s.code !== undefined) {
    body = `<p>Enter this code on your phone: <b>Linked devices → Link a device → Link with phone number instead</b>.</p><p class="code">${escapeHtml(s.code)}</p>`;
  } else if (s.state === "connected") {
    refresh = false;
    body = `<p>Linked${s.self.name ? ` as <b>${escapeHtml(s.self.name)}</b>` : ""} (${escapeHtml(s.self.id)}).</p>`;
  } else {
    body = `<p>No login is pending (state: ${escapeHtml(s.state)}). Start one with <code>POST /api/auth/start</code>; this page shows its QR.</p>`;
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? `<meta http-equiv="refresh" content="${QR_PAGE_REFRESH_S}">` : ""}
<title>Link ${escapeHtml(instance)} – Switchboard</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111}.qr svg{width:100%;max-width:20rem;height:auto}.code{font-size:2rem;letter-spacing:.2em;font-family:monospace}.small{color:#555;font-size:.9rem}</style>
</head>
<body>
<h1>Link ${escapeHtml(instance)}</h1>
${body}
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

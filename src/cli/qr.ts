/**
 * Renders `text` as a QR code for a terminal (half-block characters, two modules per line, so it
 * fits a normal window). The result is multi-line and ends with a newline. `text` is a login secret
 * while valid: callers print it to the terminal only, never to logs.
 */
export async function renderQrTerminal(text: string): Promise<string> {
  // Loaded on first use: most commands never draw a QR.
  const { default: QRCode } = await import("qrcode");
  const art = await QRCode.toString(text, { type: "terminal", small: true });
  return art.endsWith("\n") ? art : `${art}\n`;
}

import { Option, type Command } from "commander";
import { intOption } from "../args.js";
import type { CliIo, GlobalOptions } from "../context.js";
import { jsonDoc } from "../output.js";

/** The options of `sandbox whatsapp-web`, as commander parses them. */
interface WhatsAppWebSandboxFlags {
  host: string;
  port: number;
  tls?: boolean;
  phone: string[];
}

/**
 * What this command uses of `sandbox/whatsapp-web` (startWhatsAppWebSandbox and the returned object).
 * Loaded at run time only, as for `sandbox telegram`; test/cli/sandbox-whatsapp-web.test.ts checks
 * that the real module fits.
 */
export interface WhatsAppWebSandboxLike {
  readonly url: string;
  readonly wsUrl: string;
  readonly tlsCert?: string;
  readonly rootPublicKey: Uint8Array;
  createPhone(input?: { number?: string }): { id: string; number: string };
  close(): Promise<void>;
}

export interface WhatsAppWebSandboxModuleLike {
  startWhatsAppWebSandbox(options: { host?: string; port?: number; tls?: true; log?: (line: string) => void }): Promise<WhatsAppWebSandboxLike>;
}

/** Loads sandbox/whatsapp-web lazily (built next to src/, so the relative import works from source and dist). */
export async function loadWhatsAppWebSandbox(): Promise<WhatsAppWebSandboxModuleLike> {
  return (await import("../../../sandbox/whatsapp-web/index.js")) as WhatsAppWebSandboxModuleLike;
}

/**
 * Registers `sandbox whatsapp-web` under `sandbox`: a local WhatsApp Web (multi-device) server for
 * Baileys (`waWebSocketUrl`) with its control API under `/sandbox`, running until `stopped` resolves
 * (SIGINT/SIGTERM). Prints the WebSocket URL, the control URL, the root public key (base64, for
 * Baileys' `WA_CERT_DETAILS.PUBLIC_KEY`), with `--tls` the certificate (PEM) to trust, and the phones
 * created with `--phone`; a JSON document with `--json`. The sandbox's log lines (protocol errors)
 * go to stderr. See docs/sandbox-whatsapp-web.md.
 */
export function registerWhatsAppWebSandbox(sandbox: Command, io: CliIo, stopSignal: () => Promise<unknown>): void {
  sandbox
    .command("whatsapp-web")
    .description("a local WhatsApp Web (multi-device) server for Baileys' waWebSocketUrl, with a control API under /sandbox")
    .addOption(new Option("--host <host>", "interface to listen on").default("127.0.0.1"))
    .addOption(new Option("--port <port>", "TCP port (0: any free port)").default(8082).argParser(intOption(0, 65_535)))
    .option("--tls", "serve wss:// and https:// with a self-signed certificate generated at start (printed)")
    .addOption(new Option("--phone <number>", "create a phone (account) with this number at start (repeatable)").argParser(collect).default([]))
    .addHelpText("after", "\nClients trust the sandbox by setting Baileys' WA_CERT_DETAILS.PUBLIC_KEY to the printed root key.\n")
    .action(async (opts: WhatsAppWebSandboxFlags, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { startWhatsAppWebSandbox } = await loadWhatsAppWebSandbox();
      // Protocol errors of connections (bad handshakes, failed handlers, 401/501 answers) go to stderr.
      const log = (line: string): void => io.err(`${line}\n`);
      const server = await startWhatsAppWebSandbox({ host: opts.host, port: opts.port, log, ...(opts.tls ? { tls: true as const } : {}) });
      const stopped = stopSignal();
      try {
        const phones = opts.phone.map((number) => server.createPhone({ number })).map(({ id, number }) => ({ id, number }));
        const doc = {
          wsUrl: server.wsUrl,
          controlUrl: `${server.url}/sandbox`,
          rootPublicKey: Buffer.from(server.rootPublicKey).toString("base64"),
          ...(server.tlsCert ? { tlsCert: server.tlsCert } : {}),
          phones,
        };
        if (globals.json === true) {
          io.out(jsonDoc(doc));
        } else {
          let text = `WhatsApp Web sandbox listening on ${server.url}\n`;
          text += `waWebSocketUrl:  ${doc.wsUrl}\n`;
          text += `control API:     ${doc.controlUrl}\n`;
          text += `root public key: ${doc.rootPublicKey}   (WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(key, "base64"))\n`;
          for (const p of phones) text += `phone ${p.id}: ${p.number}\n`;
          if (doc.tlsCert) text += `TLS certificate (trust it in the client's agent: new https.Agent({ ca })):\n${doc.tlsCert.trimEnd()}\n`;
          text += "Stop with Ctrl-C.\n";
          io.out(text);
        }
        await stopped;
      } finally {
        await server.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { Switchboard } from "../../client/src/index.js";
import { ApiClient, displayUrl } from "./client.js";
import { UsageError } from "./errors.js";
import { jsonDoc } from "./output.js";

/** Where the CLI reads and writes. {@link processIo} in production; captured buffers in tests. */
export interface CliIo {
  /** Writes to stdout (text or bytes, e.g. a PNG). */
  out(data: string | Uint8Array): void;
  /** Writes to stderr. */
  err(text: string): void;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Asks a question on the terminal (prompt on stderr) and resolves with the answer line. */
  prompt(question: string): Promise<string>;
}

/** The real process streams. */
export function processIo(): CliIo {
  return {
    out: (data) => void process.stdout.write(data),
    err: (text) => void process.stderr.write(text),
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    prompt: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** The global options (`--url`, `--token`, `--json`), as commander parses them. */
export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** What a command action needs: the streams, the global options and an API client. */
export class CliContext {
  readonly io: CliIo;
  readonly url: string;
  readonly token: string | undefined;
  /** `--json`: print the API's JSON document as is on stdout, and error envelopes on stderr. */
  readonly json: boolean;

  constructor(io: CliIo, globals: GlobalOptions) {
    this.io = io;
    this.url = globals.url;
    this.token = globals.token === "" ? undefined : globals.token;
    this.json = globals.json === true;
  }

  /**
   * An API client for `--url` and `--token`.
   * @param timeoutMs per-request time limit, ms (default: the client's 60 s).
   * @throws {@link UsageError} when `--url` is not an http(s) URL.
   */
  client(timeoutMs?: number): ApiClient {
    try {
      return new ApiClient({ baseUrl: this.url, token: this.token, timeoutMs });
    } catch {
      throw new UsageError(`--url: not an http(s) URL: ${displayUrl(this.url)}`);
    }
  }

  /**
   * The SDK for `--url` and `--token`.
   * @throws {@link UsageError} when `--url` is not an http(s) URL.
   */
  sdk(timeoutMs?: number): Switchboard {
    try {
      return new Switchboard({ url: this.url, token: this.token, timeoutMs });
    } catch {
      throw new UsageError(`--url: not an http(s) URL: ${displayUrl(this.url)}`);
    }
  }

  /** Prints `doc` as JSON with `--json`, else the human text (produced lazily). */
  async emit(doc: unknown, human: () => string | Promise<string>): Promise<void> {
    this.io.out(this.json ? jsonDoc(doc) : await human());
  }
}

/** Builds the context of a command action from its `Command` (global options included). */
export function contextOf(cmd: Command, io: CliIo): CliContext {
  return new CliContext(io, cmd.optsWithGlobals<GlobalOptions>());
}

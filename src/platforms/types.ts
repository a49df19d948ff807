import type { AppWebhooks, Connector } from "../core/connector.js";
import type { SandboxPanel } from "./panel.js";

/**
 * One platform, as the rest of the gateway knows it: listed once in `src/platforms/index.ts`.
 * Sandbox mode, the `/sandbox/*` proxy, `serve`, the CLI's `sandbox` commands and the dashboard loop
 * over these and name no platform. Adding a platform is: a connector folder (`src/connectors/<p>/`),
 * a sandbox folder (`sandbox/<p>/`), a module file here with its list entry, tests and docs.
 *
 * Module files stay light: they load the connector's and the sandbox's code only when asked
 * (`import()` inside {@link PlatformModule.connector} and {@link SandboxModule.start}), so that the
 * CLI's client commands, which read the list, never pay for a platform library.
 *
 * @typeParam O the options of the platform's connector factory (what sandbox mode passes).
 */
export interface PlatformModule<O = never> {
  /** The platform id, equal to the connector's `platform` (URL-safe, e.g. `telegram`). */
  readonly id: string;
  /** Human name, e.g. "Telegram bot". */
  readonly displayName: string;
  /**
   * Builds the platform's connector. `options` come from the running sandbox in sandbox mode
   * ({@link RunningSandbox.connectorOptions}); absent otherwise (the platform's defaults).
   */
  connector(options?: O): Promise<Connector>;
  /** The platform's sandbox; absent for a platform that has none. */
  readonly sandbox?: SandboxModule<O>;
}

/** Any platform module, whatever its connector options (the list's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list holds modules of different option types
export type AnyPlatformModule = PlatformModule<any>;

/** Declares a platform module with its option type checked (identity at run time). */
export function definePlatform<O>(module: PlatformModule<O>): PlatformModule<O> {
  return module;
}

/** A platform's sandbox: a protocol-faithful local server (DESIGN §1), its commands and its panel. */
export interface SandboxModule<O> {
  /** The name in URLs and commands: `/sandbox/<name>/…` (the proxy), `switchboard sandbox <name>`. */
  readonly name: string;
  /** One line for `switchboard sandbox <name> --help`. */
  readonly description: string;
  /** The standalone command's default port. */
  readonly defaultPort: number;
  /** Flags of `switchboard sandbox <name>` beyond `--host` and `--port`, as data. */
  readonly options: readonly SandboxOption[];
  /** Help text after the options. */
  readonly help?: string;
  /**
   * Starts the sandbox; resolves once it listens.
   * @throws listen errors (`EADDRINUSE`), or an invalid option value (`TypeError`).
   */
  start(input: SandboxStartInput): Promise<RunningSandbox<O>>;
  /** The dashboard's panel for it (absent: no panel). */
  readonly panel?: SandboxPanel;
}

/** A flag of a standalone sandbox command. */
export interface SandboxOption {
  /** commander syntax: `--profile <profile>`, `--no-flood`, `--bot <username>`, `--tls`. */
  readonly flags: string;
  readonly description: string;
  /** `value`: one value (default); `list`: repeatable, collected; `boolean`: a switch (`--no-x` defaults to true). */
  readonly kind?: "value" | "list" | "boolean";
  readonly default?: string | boolean;
  readonly choices?: readonly string[];
}

/** What a sandbox is started with. */
export interface SandboxStartInput {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * The values of its {@link SandboxModule.options}, by commander's camel-case key (`{profile:
   * "local", flood: false, bot: ["shop_bot"]}`); `{}` in sandbox mode (the defaults).
   */
  options: Readonly<Record<string, unknown>>;
  /** `standalone` (`switchboard sandbox <name>`) or `gateway` (`serve --sandbox`). */
  mode: "standalone" | "gateway";
  /** Where its own log lines go (protocol errors, internal errors). */
  log(line: string): void;
}

/** A started sandbox. */
export interface RunningSandbox<O> {
  /** Base URL, e.g. `http://127.0.0.1:40123`; its control API is under `<url>/sandbox`. */
  readonly url: string;
  /** The URL clients point at (a Bot API root, a WebSocket endpoint), for banners. */
  readonly endpoint: string;
  /**
   * Facts about it for `GET /sandbox`, the banner and the standalone command's JSON output: URLs
   * and public keys, never a secret (the standalone command adds what it created, below).
   */
  readonly info: Readonly<Record<string, string>>;
  /** Connector options that point the platform's connector at this sandbox (sandbox mode). */
  readonly connectorOptions: O;
  /** Instance config defaults in sandbox mode (e.g. `{apiRoot: url}`); trusted by the URL guard. */
  readonly configDefaults: Readonly<Record<string, unknown>>;
  /**
   * What the standalone command prints: its lines of text (what listens where, what its options
   * created, such as a bot's token) and, with `--json`, the same as one JSON document.
   */
  readonly report: { lines: readonly string[]; json: Readonly<Record<string, unknown>> };
  /** Stops it: connections closed, port released. Idempotent. */
  close(): Promise<void>;
}

/** Re-exported for module authors. */
export type { AppWebhooks, Connector, SandboxPanel };

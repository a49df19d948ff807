/**
 * Sandbox mode (`switchboard serve --sandbox`, `startServer({sandbox: true})`): the sandbox of every
 * listed platform runs in the gateway's process on a free loopback port, and instances created
 * meanwhile point at them. See docs/sandbox-mode.md.
 *
 * Platform-neutral: it loops over the platform modules (src/platforms) and names none. Each module
 * loads its sandbox lazily (a gateway without sandbox mode never loads one).
 */
import type { AnyPlatformModule, RunningSandbox } from "../platforms/types.js";
import type { SandboxPanel } from "../platforms/panel.js";
import type { ConfigDefaults } from "./config-defaults.js";

export { withConfigDefaults, type ConfigDefaults } from "./config-defaults.js";

/** One running sandbox as the gateway shows it (`GET /sandbox`, `RunningServer.sandbox`, the banner). No secrets. */
export interface SandboxView {
  /** The sandbox's name: `/sandbox/<name>/…` on the gateway reaches its control API. */
  name: string;
  /** The platform it plays. */
  platform: string;
  displayName: string;
  /** Its base URL (control API under `<url>/sandbox`). */
  url: string;
  /** Where clients point (a Bot API root, a WebSocket endpoint). */
  endpoint: string;
  /** Its control API, `<url>/sandbox`. */
  controlUrl: string;
  /** The gateway path of its control API: `/sandbox/<name>`. */
  proxy: string;
  /** Its own facts (URLs, public keys). */
  info: Readonly<Record<string, string>>;
  /** The dashboard's panel for it, when it has one. */
  panel: SandboxPanel | null;
}

/** The sandboxes of a gateway in sandbox mode, by sandbox name. */
export type SandboxInfo = Readonly<Record<string, SandboxView>>;

/** Every sandbox, running. */
export interface SandboxMode {
  info: SandboxInfo;
  /** Base URL of each sandbox by name, for the `/sandbox/<name>/*` proxy. */
  targets: Readonly<Record<string, string>>;
  /** Instance config defaults by platform (e.g. `{telegram: {apiRoot}}`). */
  configDefaults: ConfigDefaults;
  /** Connector options by platform, pointing each connector at its sandbox. */
  connectorOptions: Readonly<Record<string, unknown>>;
  /** Closes every sandbox (their connections and ports). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link startSandboxMode}. */
export interface SandboxModeOptions {
  /** Interface the sandboxes listen on. Default `127.0.0.1`. */
  host?: string;
  /** Where the sandboxes' own log lines go. */
  log?: (sandbox: string, line: string) => void;
}

/**
 * Starts the sandbox of every module that has one, on free ports of `host`; resolves once all
 * listen. Their state (bots, users, phones…) is in memory and gone when they close.
 * @throws a listen error of any of them (those started are closed first).
 */
export async function startSandboxMode(modules: readonly AnyPlatformModule[], opts: SandboxModeOptions = {}): Promise<SandboxMode> {
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => {});
  const running: Array<{ module: AnyPlatformModule; sandbox: RunningSandbox<unknown> }> = [];
  try {
    for (const module of modules) {
      const sb = module.sandbox;
      if (!sb) continue;
      const sandbox = (await sb.start({ host, port: 0, options: {}, mode: "gateway", log: (line) => log(sb.name, line) })) as RunningSandbox<unknown>;
      running.push({ module, sandbox });
    }
  } catch (e) {
    await Promise.all(running.map((r) => r.sandbox.close()));
    throw e;
  }
  const info: Record<string, SandboxView> = {};
  const targets: Record<string, string> = {};
  const configDefaults: Record<string, Readonly<Record<string, unknown>>> = {};
  const connectorOptions: Record<string, unknown> = {};
  for (const { module, sandbox } of running) {
    const name = module.sandbox!.name;
    info[name] = {
      name,
      platform: module.id,
      displayName: module.displayName,
      url: sandbox.url,
      endpoint: sandbox.endpoint,
      controlUrl: `${sandbox.url}/sandbox`,
      proxy: `/sandbox/${name}`,
      info: sandbox.info,
      panel: module.sandbox!.panel ?? null,
    };
    targets[name] = sandbox.url;
    configDefaults[module.id] = sandbox.configDefaults;
    connectorOptions[module.id] = sandbox.connectorOptions;
  }
  let closing: Promise<void> | undefined;
  return {
    info,
    targets,
    configDefaults,
    connectorOptions,
    close: () => (closing ??= Promise.all(running.map((r) => r.sandbox.close())).then(() => undefined)),
  };
}

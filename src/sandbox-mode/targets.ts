/**
 * The sandboxes the gateway's `/sandbox/<name>/*` proxy forwards to: name → base URL of that sandbox
 * (its control API is under `<base>/sandbox`), e.g. `{telegram: "http://127.0.0.1:40123"}`.
 */
export type SandboxTargets = Readonly<Record<"telegram" | "whatsapp-web", string>>;

import { err } from "../../core/errors.js";
import type { WebhookRecord } from "../../store/types.js";
import type { Vault } from "../../vault/vault.js";
import { Signer, type SigningSecret } from "./signing.js";
import type { ActiveSubscription } from "./worker.js";

/**
 * Seals and opens a subscription's secrets with the {@link Vault}. Each blob is bound (AAD) to
 * `webhooks/<id>/<slot>`, so it cannot be moved to another subscription; the current and previous
 * signing secrets share the slot `signing-secret` (a rotation moves the current blob to `previous`
 * unchanged).
 */
export class WebhookSecrets {
  constructor(private readonly vault: Vault) {}

  sealSecret(webhookId: string, secret: string): Buffer {
    return this.vault.seal(Buffer.from(secret, "utf8"), aad(webhookId, "signing-secret"));
  }

  /** @throws `STORAGE_FAILED` when the blob cannot be opened (wrong master key, tampering). */
  openSecret(webhookId: string, sealed: Buffer): string {
    return this.vault.open(sealed, aad(webhookId, "signing-secret")).toString("utf8");
  }

  /** Null for no headers. */
  sealHeaders(webhookId: string, headers: Readonly<Record<string, string>>): Buffer | null {
    if (Object.keys(headers).length === 0) return null;
    return this.vault.seal(Buffer.from(JSON.stringify(headers), "utf8"), aad(webhookId, "headers"));
  }

  /** @throws `STORAGE_FAILED` when the blob cannot be opened or parsed. */
  openHeaders(webhookId: string, sealed: Buffer | null): Record<string, string> {
    if (sealed === null) return {};
    const plain = this.vault.open(sealed, aad(webhookId, "headers"));
    try {
      return JSON.parse(plain.toString("utf8")) as Record<string, string>;
    } catch (e) {
      throw err("STORAGE_FAILED", { message: "webhook headers could not be decoded", cause: e });
    }
  }

  /** The subscription as a worker runs it (secrets opened; the previous secret only while its overlap lasts). */
  activate(rec: WebhookRecord, now: number): ActiveSubscription {
    const secrets: SigningSecret[] = [{ secret: this.openSecret(rec.id, rec.secretSealed), expiresAt: null }];
    if (rec.previousSecretSealed && rec.previousSecretExpiresAt !== null && rec.previousSecretExpiresAt > now) {
      secrets.push({ secret: this.openSecret(rec.id, rec.previousSecretSealed), expiresAt: rec.previousSecretExpiresAt });
    }
    return {
      id: rec.id,
      instanceId: rec.instanceId,
      url: rec.url,
      headers: this.openHeaders(rec.id, rec.headersSealed),
      signer: new Signer(secrets),
      ordered: rec.ordered,
      maxConcurrency: rec.maxConcurrency,
      failingSince: rec.failingSince,
      failureCount: rec.failureCount,
    };
  }
}

function aad(webhookId: string, slot: string): string {
  return `webhooks/${webhookId}/${slot}`;
}

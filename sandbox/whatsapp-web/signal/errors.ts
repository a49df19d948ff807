/**
 * Typed errors of the sandbox's Signal layer. Every failure the layer reports is one of these, so
 * the server can answer a bad stanza (e.g. a retry receipt for an undecryptable `<enc>`) without
 * matching on libsignal's message strings.
 */

/** Base class; `cause` keeps the underlying libsignal / protobuf error when there is one. */
export class SignalLayerError extends Error {
  override readonly name: string = "SignalLayerError";
}

/**
 * A key-distribution node (`<iq xmlns="encrypt">` upload, rotate or fetch, or pairing key data)
 * that does not have the layout WhatsApp uses: a missing child, wrong byte length, or a signed
 * prekey whose signature does not verify against the identity key.
 */
export class SignalNodeError extends SignalLayerError {
  override readonly name = "SignalNodeError";
}

/** `encrypt` was asked to write to a device with which there is no session and no bundle was given. */
export class SignalNoSessionError extends SignalLayerError {
  override readonly name = "SignalNoSessionError";
  constructor(readonly address: string) {
    super(`no Signal session with ${address}; start one from the device's prekey bundle first`);
  }
}

/**
 * Why an `<enc>` payload could not be turned into a Message:
 * - "malformed": not a (PreKey)WhisperMessage (bad version byte, protobuf, lengths);
 * - "no-session": a `msg` from a device with no session here;
 * - "bad-mac": a `msg` that no known session accepts, or a `pkmsg` whose MAC fails: corruption,
 *   a session the sender has and we do not, or (for `msg`) a replay: libsignal 6.0.0's
 *   `decryptWithSessions` folds each session's error, MAC or counter, into one "No matching
 *   sessions found for message" (it logs them with console.error);
 * - "duplicate": a `pkmsg` whose message key was already used (replay / double delivery);
 * - "prekey": a `pkmsg` naming a one-time or signed prekey this device does not hold (any more);
 * - "untrusted": the sender's identity key changed and the store refused it (the sandbox's store
 *   trusts on first use and accepts changes, so this only happens with a custom policy);
 * - "padding": decrypted bytes without valid WhatsApp padding;
 * - "proto": the unpadded bytes are not a `Message` protobuf.
 */
export type SignalDecryptReason =
  | "malformed"
  | "no-session"
  | "bad-mac"
  | "duplicate"
  | "prekey"
  | "untrusted"
  | "padding"
  | "proto";

export class SignalDecryptError extends SignalLayerError {
  override readonly name = "SignalDecryptError";
  constructor(
    readonly reason: SignalDecryptReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${message}`, options);
  }
}

/**
 * The sandbox's own Noise certificate chain: root key → intermediate certificate → leaf certificate,
 * sent (encoded as proto CertChain) as the ServerHello payload.
 *
 * What Baileys rc14 checks (lib/Utils/noise-handler.js `processHandshake`, lib/Defaults `WA_CERT_DETAILS`):
 * - `leaf` and `intermediate` both carry `details` and `signature`;
 * - `leaf.signature` verifies (XEdDSA) over `leaf.details` with the intermediate details' `key`;
 * - `intermediate.signature` verifies over `intermediate.details` with `WA_CERT_DETAILS.PUBLIC_KEY`
 *   (the real WhatsApp root; a client talking to the sandbox sets it to {@link SandboxCertificates.rootPublicKey});
 * - the intermediate details' `issuerSerial` is `WA_CERT_DETAILS.SERIAL` (0).
 * Baileys does not compare the leaf key with the server's static key; the sandbox makes them equal
 * anyway (the leaf certifies the static key, as in WhatsApp's design).
 */
import { type KeyPair, generateKeyPair, sign } from "./noise/crypto.js";
import { proto } from "./proto/index.js";

/** Serial of the root (the intermediate's issuer), as Baileys expects it. */
export const ROOT_SERIAL = 0;
/** Serial of the sandbox's intermediate certificate (the leaf's issuer); our choice. */
export const INTERMEDIATE_SERIAL = 1;
/** Serial of the leaf certificate; our choice. */
export const LEAF_SERIAL = 2;

export interface SandboxCertificates {
  /** The root key pair; its public half (32 bytes) is what clients must trust. */
  root: KeyPair;
  /** 32 bytes: set Baileys' `WA_CERT_DETAILS.PUBLIC_KEY` to this. */
  rootPublicKey: Uint8Array;
  intermediate: KeyPair;
  /** The server's static Noise key, certified by the leaf. */
  serverStatic: KeyPair;
  /** Encoded proto CertChain {leaf, intermediate}: the ServerHello payload. */
  chain: Uint8Array;
}

export interface CertificateOptions {
  /** A fixed root key pair (e.g. to keep one trusted key across restarts); default: a fresh one. */
  root?: KeyPair;
  /** Validity start in Unix seconds (default: now). Certificates are valid for 10 years. */
  notBefore?: number;
}

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** Generates the intermediate and static keys and signs the chain under `root`. */
export function createCertificates(options: CertificateOptions = {}): SandboxCertificates {
  const root = options.root ?? generateKeyPair();
  const intermediate = generateKeyPair();
  const serverStatic = generateKeyPair();
  const notBefore = options.notBefore ?? Math.floor(Date.now() / 1000);
  const notAfter = notBefore + TEN_YEARS_S;
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: INTERMEDIATE_SERIAL,
    issuerSerial: ROOT_SERIAL,
    key: intermediate.public,
    notBefore,
    notAfter,
  });
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: LEAF_SERIAL,
    issuerSerial: INTERMEDIATE_SERIAL,
    key: serverStatic.public,
    notBefore,
    notAfter,
  });
  const chain = proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: sign(intermediate.private, leafDetails) },
  });
  return { root, rootPublicKey: root.public, intermediate, serverStatic, chain };
}

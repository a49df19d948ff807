import { hkdfSync, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { err } from "../core/errors.js";

/** Length of the master key, in bytes (AES-256). */
export const MASTER_KEY_BYTES = 32;
/** Name of the generated key file inside the data directory. */
export const MASTER_KEY_FILE = "master.key";
/** HKDF info string for keys derived from `SWITCHBOARD_SECRET`. Changing it changes every key. */
export const MASTER_KEY_INFO = "switchboard/master-key/v1";
/** Fixed HKDF salt (the secret is the only input that varies between deployments). */
export const MASTER_KEY_SALT = "switchboard/master-key/salt/v1";

/** Options of {@link loadMasterKey}. */
export interface LoadMasterKeyOptions {
  /** The data directory holding `master.key` (created with mode 0700 when missing). */
  dataDir: string;
  /** The value of `SWITCHBOARD_SECRET`. When set and non-empty it is used instead of the key file. */
  secret?: string;
  /**
   * Receives secret-free warnings, e.g. that the key file was readable by group/others and has been
   * restricted to 0600.
   */
  onWarning?: (message: string) => void;
}

/**
 * Derives the 32-byte master key from an operator secret (any string; UTF-8) with HKDF-SHA256
 * (fixed salt {@link MASTER_KEY_SALT}, info {@link MASTER_KEY_INFO}). Deterministic.
 */
export function deriveMasterKey(secret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), MASTER_KEY_SALT, MASTER_KEY_INFO, MASTER_KEY_BYTES));
}

/**
 * Loads the 32-byte master key that seals credentials at rest.
 *
 * - With a non-empty `secret` (`SWITCHBOARD_SECRET`): {@link deriveMasterKey}; no file is touched.
 *   An empty string counts as unset.
 * - Else `<dataDir>/master.key` (32 random bytes, base64, one line). On first start it is generated
 *   and created exclusively (`wx`) with mode 0600; if another process wins that race, its key is read.
 *   An existing file readable or writable by group/others is re-chmodded to 0600 and reported
 *   through `onWarning` (POSIX only).
 *
 * Losing the key makes stored credentials unreadable (instances must log in again).
 * @throws `STORAGE_FAILED` when the key file cannot be read or written, or does not hold exactly
 *   32 base64-encoded bytes (messages name the file, never its content).
 */
export async function loadMasterKey(opts: LoadMasterKeyOptions): Promise<Buffer> {
  if (opts.secret !== undefined && opts.secret !== "") return deriveMasterKey(opts.secret);

  const dataDir = resolve(opts.dataDir);
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw err("STORAGE_FAILED", { message: `Could not create the data directory ${dataDir}.`, cause: e });
  }

  const fresh = randomBytes(MASTER_KEY_BYTES);
  try {
    await writeFile(file, `${fresh.toString("base64")}\n`, { flag: "wx", mode: 0o600 });
    return fresh;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
      throw err("STORAGE_FAILED", { message: `Could not create the master key file ${file}.`, cause: e });
    }
  }
  return readKeyFile(file, opts.onWarning);
}

async function readKeyFile(file: string, onWarning: ((message: string) => void) | undefined): Promise<Buffer> {
  let text: string;
  try {
    if (process.platform !== "win32") {
      const mode = (await stat(file)).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        await chmod(file, 0o600);
        onWarning?.(`The master key file ${file} had mode 0${mode.toString(8)}; it was restricted to 0600.`);
      }
    }
    text = await readFile(file, "utf8");
    // A concurrent first start may have created the file but not written it yet.
    for (let i = 0; i < 20 && text === ""; i++) {
      await sleep(25);
      text = await readFile(file, "utf8");
    }
  } catch (e) {
    throw err("STORAGE_FAILED", { message: `Could not read the master key file ${file}.`, cause: e });
  }
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, "base64");
  if (key.length !== MASTER_KEY_BYTES || key.toString("base64") !== trimmed) {
    throw err("STORAGE_FAILED", {
      message: `The master key file ${file} is malformed: expected ${MASTER_KEY_BYTES} base64-encoded bytes.`,
    });
  }
  return key;
}

/**
 * The bytes of a file a bot received (a `mediaId` of a `message.received` is the Bot API
 * `file_id`): `getFile` for its `file_path`, then `GET <apiRoot>/file/bot<token>[/test]/<file_path>`
 * (Bot API docs, getFile: the link is valid for at least an hour; the cloud server serves files of up
 * to 20 MB). The download goes through the gateway's guarded agent for `apiRoot`; the token is in
 * the URL, so the URL is never logged or put in an error.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Api } from "grammy";
import type { OutboundNet, PlatformMedia } from "../../core/connector.js";
import { PlatformUnreachableError, err } from "../../core/errors.js";
import { classify } from "./bot-api.js";
import type { TelegramConfig } from "./config.js";

/**
 * @throws {SwitchboardError} `NOT_FOUND` (Telegram does not know the file for this bot),
 *   `VALIDATION_FAILED` 413 (over the Bot API's download limit), `INVALID_STATE` (the token was
 *   rejected), `PLATFORM_UNREACHABLE`.
 */
export async function downloadFile(api: Api, token: string, config: Pick<TelegramConfig, "apiRoot" | "environment">, net: OutboundNet, fileId: string): Promise<PlatformMedia> {
  let file;
  try {
    file = await api.getFile(fileId);
  } catch (e) {
    const f = classify(e, token);
    if (f.kind === "bad_request" && /file is too big/.test(f.description)) {
      throw err("VALIDATION_FAILED", { status: 413, message: "The Bot API serves files of up to 20 MB; this one is larger.", details: { reason: "file_too_large" } });
    }
    if (f.kind === "bad_request") throw err("NOT_FOUND", { message: `Telegram does not know this file for this bot (${f.description}).`, details: { mediaId: fileId } });
    if (f.kind === "unauthorized" || f.kind === "not_found") throw err("INVALID_STATE", { message: "The bot token was rejected.", details: { status: f.status } });
    throw new PlatformUnreachableError("The Telegram Bot API could not be reached for getFile.", { cause: e });
  }
  if (!file.file_path) throw err("NOT_FOUND", { message: "Telegram gave no path for this file.", details: { mediaId: fileId } });
  const url = `${config.apiRoot}/file/bot${token}${config.environment === "test" ? "/test" : ""}/${file.file_path}`;
  const res = await get(url, net.agentFor(config.apiRoot));
  if (res.statusCode !== 200) {
    res.resume();
    if (res.statusCode === 404) throw err("NOT_FOUND", { message: "The Bot API has no such file to download (HTTP 404).", details: { mediaId: fileId } });
    throw new PlatformUnreachableError(`The Bot API's file download answered HTTP ${res.statusCode ?? 0}.`);
  }
  const length = Number(res.headers["content-length"]);
  const type = res.headers["content-type"]?.split(";")[0]?.trim();
  const name = file.file_path.split("/").pop();
  return {
    stream: res,
    ...(type && type !== "application/octet-stream" ? { mimeType: type } : {}),
    ...(Number.isFinite(length) ? { size: length } : file.file_size !== undefined ? { size: file.file_size } : {}),
    ...(name ? { fileName: name } : {}),
  };
}

function get(url: string, agent: ReturnType<OutboundNet["agentFor"]>): Promise<IncomingMessage> {
  const u = new URL(url);
  const request = u.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(u, { method: "GET", ...(agent ? { agent } : {}) }, resolve);
    req.setTimeout(30_000, () => req.destroy(new Error("timed out")));
    // The error may quote the URL (with the token): only its class and code go on.
    req.on("error", (e) => reject(new PlatformUnreachableError("The Bot API's file download could not be reached.", { cause: { name: e.name, code: (e as { code?: string }).code } })));
    req.end();
  });
}

/**
 * getFile (tdlib/telegram-bot-api Client.cpp `process_get_file_query`, `check_remote_file_id`,
 * `do_get_file`, `json_store_file`): `file_id not specified`; an id the bot does not have is
 * "invalid file_id"; on the cloud profile a file over 20 MB is "file is too big". Answers a File
 * with `file_path`, downloadable at `/file/bot<token>/<file_path>` (server.ts).
 */
import { apiError, badRequest } from "../errors.js";
import { MAX_DOWNLOAD_FILE_SIZE } from "../files.js";
import type { MethodContext } from "./context.js";

export function getFile(ctx: MethodContext): unknown {
  const { params, engine, bot } = ctx;
  const fileId = params.arg("file_id");
  if (fileId === "") throw badRequest("Bad Request: file_id not specified");
  const file = engine.files.get(fileId, bot.id);
  if (!file) throw apiError("invalidFileId");
  if (engine.settings.profile === "cloud" && file.file_size > MAX_DOWNLOAD_FILE_SIZE) throw badRequest("Bad Request: file is too big");
  return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size, file_path: file.file_path };
}

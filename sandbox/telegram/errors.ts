/**
 * The Bot API's error answers, worded as the real server words them.
 *
 * Sources (see docs/sandbox-telegram.md): tdlib/telegram-bot-api `telegram-bot-api/Client.cpp`
 * (`fail_query`, `fail_query_with_error`, which prefixes "Bad Request: " and lower-cases the first
 * letter of TDLib's messages), `ClientManager.cpp` (token checks), `Query.cpp`
 * (`set_retry_after_error`), and tdlib/td `tdnet/td/net/HttpReader.cpp` (request parsing).
 */

export interface ErrorParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** An error answer: `{ok: false, error_code, description, parameters?}` with HTTP status = `code`. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: ErrorParameters,
  ) {
    super(description);
    this.name = "ApiError";
  }
}

/** Fixed descriptions. Keys are ours; values are the real server's strings. */
export const ERRORS = {
  unauthorized: [401, "Unauthorized"],
  /** Local server (ClientManager::send) for a token that cannot be a bot token. */
  invalidTokenLocal: [401, "Unauthorized: invalid token specified"],
  notFound: [404, "Not Found"],
  methodNotFound: [404, "Not Found: method not found"],
  notImplemented: [501, "Not Implemented"],
  loggedOut: [400, "Logged out"],
  alreadyClosed: [400, "Bad Request: the bot has already been closed"],
  conflictOtherGetUpdates: [409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"],
  conflictWebhookActive: [
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
  ],
  conflictSetWebhook: [409, "Conflict: terminated by setWebhook request"],
  chatIdEmpty: [400, "Bad Request: chat_id is empty"],
  chatNotFound: [400, "Bad Request: chat not found"],
  chatIdentifierNotSpecified: [400, "Bad Request: chat identifier is not specified"],
  messageIdentifierNotSpecified: [400, "Bad Request: message identifier is not specified"],
  messageTextEmpty: [400, "Bad Request: message text is empty"],
  messageTooLong: [400, "Bad Request: message is too long"],
  captionTooLong: [400, "Bad Request: message caption is too long"],
  textTooLong: [400, "Bad Request: text is too long"],
  unsupportedParseMode: [400, "Bad Request: unsupported parse_mode"],
  noPhoto: [400, "Bad Request: there is no photo in the request"],
  wrongFileId: [400, "Bad Request: wrong file identifier/HTTP URL specified"],
  invalidFileId: [400, "Bad Request: invalid file_id"],
  callbackQueryTooOld: [400, "Bad Request: query is too old and response timeout expired or query ID is invalid"],
  wrongChatAction: [400, "Bad Request: wrong parameter action in request"],
  replyNotFound: [400, "Bad Request: message to be replied not found"],
  editNotFound: [400, "Bad Request: message to edit not found"],
  deleteNotFound: [400, "Bad Request: message to delete not found"],
  cantEdit: [400, "Bad Request: message can't be edited"],
  noTextToEdit: [400, "Bad Request: there is no text in the message to edit"],
  messageIdInvalid: [400, "Bad Request: MESSAGE_ID_INVALID"],
  cantDelete: [400, "Bad Request: message can't be deleted"],
  notModified: [
    400,
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  ],
  replyMarkupJson: [400, "Bad Request: can't parse reply keyboard markup JSON object"],
  replyMarkupObject: [400, "Bad Request: object expected as reply markup"],
  replyParametersJson: [400, "Bad Request: can't parse reply parameters JSON object"],
  replyParametersObject: [400, "Bad Request: object expected as reply parameters"],
  invalidWebhookUrl: [400, "Bad Request: invalid webhook URL specified"],
  secretTooLong: [400, "Bad Request: secret token is too long"],
  secretBadChars: [400, "Bad Request: secret token contains unallowed characters"],
  botBlocked: [403, "Forbidden: bot was blocked by the user"],
  cantInitiate: [403, "Forbidden: bot can't initiate conversation with a user"],
  notGroupMember: [403, "Forbidden: bot is not a member of the group chat"],
  notSupergroupMember: [403, "Forbidden: bot is not a member of the supergroup chat"],
  notChannelMember: [403, "Forbidden: bot is not a member of the channel chat"],
  kickedFromGroup: [403, "Forbidden: bot was kicked from the group chat"],
  groupUpgraded: [400, "Bad Request: group chat was upgraded to a supergroup chat"],
  cantSendToBot: [403, "Forbidden: bot can't send messages to bots"],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorKey = keyof typeof ERRORS;

/** The error of table entry `key`. */
export function apiError(key: ErrorKey, parameters?: ErrorParameters): ApiError {
  const [code, description] = ERRORS[key];
  return new ApiError(code, description, parameters);
}

/**
 * A real Bot API method the sandbox does not implement (our answer; the real server implements it):
 * 501 "Not Implemented: …" naming the method and listing the ones the sandbox does implement, so a
 * client's user sees a gap of the sandbox, not a typo of theirs.
 */
export function notImplementedMethod(name: string, implemented: readonly string[]): ApiError {
  return new ApiError(501, `Not Implemented: the Switchboard sandbox does not implement ${name} (a Bot API method); it implements ${implemented.join(", ")}`);
}

/** `429 Too Many Requests: retry after N`, with `parameters.retry_after` (Query::set_retry_after_error). */
export function tooManyRequests(retryAfterSeconds: number): ApiError {
  const n = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ApiError(429, `Too Many Requests: retry after ${n}`, { retry_after: n });
}

/**
 * A 400 from a TDLib-style message, the way `Client::fail_query_with_error` words it: "Bad Request: "
 * then the message with its first letter lower-cased (unless it looks like an UPPER_CASE code).
 */
export function badRequest(message: string): ApiError {
  if (message.startsWith("Bad Request")) return new ApiError(400, message);
  const second = message.charAt(1);
  const keep = message.length >= 2 && (second === "_" || (second >= "A" && second <= "Z"));
  return new ApiError(400, `Bad Request: ${keep ? message : message.charAt(0).toLowerCase() + message.slice(1)}`);
}

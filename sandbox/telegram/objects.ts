/**
 * Bot API objects as the server serialises them (tdlib/telegram-bot-api `Client::JsonUser`,
 * `JsonChat`, `JsonMessage`): optional fields are omitted rather than null or empty.
 */
import type { BotRecord, ChatRecord, UserRecord } from "./state.js";

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_premium?: true;
  can_join_groups?: boolean;
  can_read_all_group_messages?: boolean;
  supports_inline_queries?: boolean;
  supports_guest_queries?: boolean;
  can_connect_to_business?: boolean;
  has_main_web_app?: boolean;
  has_topics_enabled?: boolean;
  allows_users_to_create_topics?: boolean;
  can_manage_bots?: boolean;
  supports_join_request_queries?: boolean;
}

export interface Chat {
  id: number;
  type: "private" | "group" | "supergroup" | "channel";
  title?: string;
  username?: string;
  first_name?: string;
  last_name?: string;
  is_forum?: true;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  user?: User;
  custom_emoji_id?: string;
  /** date_time entities. */
  unix_time?: number;
  date_time_format?: string;
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

/** The common fields of a file object (Document, Video, Audio, Voice, Sticker, Animation). */
export interface FileFields {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
}

export interface Location {
  latitude: number;
  longitude: number;
  horizontal_accuracy?: number;
  live_period?: number;
  heading?: number;
  proximity_alert_radius?: number;
}

export interface Venue {
  location: Location;
  title: string;
  address: string;
  foursquare_id?: string;
  foursquare_type?: string;
  google_place_id?: string;
  google_place_type?: string;
}

export interface Contact {
  phone_number: string;
  first_name: string;
  last_name?: string;
  user_id?: number;
  vcard?: string;
}

/** A reaction type (`ReactionTypeEmoji` or `ReactionTypeCustomEmoji`). */
export type ReactionType = { type: "emoji"; emoji: string } | { type: "custom_emoji"; custom_emoji_id: string };

/** MessageOrigin of a forwarded message (the kinds the sandbox makes). */
export type MessageOrigin =
  | { type: "user"; date: number; sender_user: User }
  | { type: "chat"; date: number; sender_chat: Chat }
  | { type: "channel"; date: number; chat: Chat; message_id: number };

export interface InlineKeyboardMarkup {
  inline_keyboard: Array<Array<Record<string, unknown>>>;
}

export interface Message {
  message_id: number;
  from?: User;
  sender_chat?: Chat;
  chat: Chat;
  date: number;
  edit_date?: number;
  reply_to_message?: Message;
  text?: string;
  entities?: MessageEntity[];
  photo?: PhotoSize[];
  document?: FileFields;
  video?: FileFields & { width: number; height: number; duration: number };
  animation?: FileFields & { width: number; height: number; duration: number };
  audio?: FileFields & { duration: number; performer?: string; title?: string };
  voice?: FileFields & { duration: number };
  sticker?: FileFields & { type: "regular"; width: number; height: number; is_animated: boolean; is_video: boolean; emoji?: string };
  location?: Location;
  venue?: Venue;
  contact?: Contact;
  forward_origin?: MessageOrigin;
  media_group_id?: string;
  caption?: string;
  caption_entities?: MessageEntity[];
  reply_markup?: InlineKeyboardMarkup;
}

/** A user as other objects embed it (`JsonUser` without the bot-only getMe fields). */
export function userJson(u: UserRecord): User {
  const out: User = { id: u.id, is_bot: false, first_name: u.first_name };
  if (u.last_name) out.last_name = u.last_name;
  if (u.username) out.username = u.username;
  if (u.language_code) out.language_code = u.language_code;
  if (u.is_premium) out.is_premium = true;
  return out;
}

/** The bot as it appears in `from` of its messages. */
export function botUserJson(b: BotRecord): User {
  return { id: b.id, is_bot: true, first_name: b.first_name, username: b.username };
}

/** getMe: the bot with the fields "returned only in getMe". */
export function botGetMeJson(b: BotRecord): User {
  return {
    ...botUserJson(b),
    can_join_groups: b.abilities.can_join_groups,
    can_read_all_group_messages: b.abilities.can_read_all_group_messages,
    supports_inline_queries: b.abilities.supports_inline_queries,
    supports_guest_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}

/** The private chat with a user (or with a bot, seen from another bot). */
export function privateChatJson(u: { id: number; first_name: string; last_name?: string; username?: string }): Chat {
  const out: Chat = { id: u.id, first_name: u.first_name, type: "private" };
  if (u.last_name) out.last_name = u.last_name;
  if (u.username) out.username = u.username;
  return out;
}

export function groupChatJson(c: ChatRecord): Chat {
  const out: Chat = { id: c.id, title: c.title, type: c.type };
  if (c.username && c.type !== "group") out.username = c.username;
  if (c.is_forum && c.type === "supergroup") out.is_forum = true;
  return out;
}

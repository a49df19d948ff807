/**
 * The emoji a bot may react with: the 73 values the Bot API documents for ReactionTypeEmoji
 * (specs/telegram-bot-api/api.json, `ReactionTypeEmoji.emoji`; test/sandbox/telegram/method-names.test.ts
 * keeps the two equal). Another emoji is `REACTION_INVALID`.
 */
export const REACTION_EMOJI: ReadonlySet<string> = new Set([
  "❤", "👍", "👎", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩", "🤮", "💩", "🙏", "👌", "🕊", "🤡", "🥱", "🥴", "😍", "🐳", "❤‍🔥", "🌚", "🌭", "💯", "🤣", "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾", "💋", "🖕", "😈", "😴", "😭", "🤓", "👻", "👨‍💻", "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅", "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", "🤷‍♂", "🤷", "🤷‍♀", "😡",
]);

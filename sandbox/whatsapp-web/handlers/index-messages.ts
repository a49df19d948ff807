/** The stanza handlers of "keys and messages", in the order server.ts registers them. */
export { handleEncryptIq } from "./keys.js";
export { handleUsyncIq } from "./usync.js";
export { deliverOffline, handleMessageStanzas } from "./messages.js";

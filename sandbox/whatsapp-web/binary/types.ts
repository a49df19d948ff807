/**
 * The in-memory shape of a WhatsApp Web binary node (Baileys calls it `BinaryNode`): an XML-like
 * element with a tag, string attributes and optional content.
 *
 * Content is one of: child nodes, raw bytes, or a string. On the wire a string and a byte string
 * can share an encoding (BINARY_8/20/32), so a decoder returns raw-byte content as `Uint8Array`
 * even when the sender gave a string; only token, packed (nibble/hex) and JID strings come back as
 * strings. Attribute values always come back as strings.
 */
export interface BinaryNode {
  tag: string;
  attrs: Record<string, string>;
  content?: BinaryNode[] | Uint8Array | string;
}

/** Thrown for a node that cannot be encoded or a frame that cannot be decoded. */
export class BinaryNodeError extends Error {
  override readonly name = "BinaryNodeError";
}

/**
 * Loads ./schema.ts with protobufjs (reflection, at module load: one parse, a few milliseconds) and
 * turns a message type into a typed codec between bytes and the plain objects of ./types.ts.
 *
 * protobufjs is used as a library only; the schema is ours. Conversions (see ./types.ts):
 * - encode: `Type.verify` first (a wrong JS type for a field, e.g. a number where bytes are
 *   expected, or an enum number the schema does not list, throws a TypeError naming the type),
 *   then `Type.fromObject` + `Type.encode`. Keys the schema does not know are ignored. (protobufjs
 *   would take a base64 string for bytes; the types forbid it, and invalid base64 is a TypeError.)
 * - decode: `Type.decode` (malformed bytes throw an Error naming the type, with the protobufjs error
 *   as `cause`), then `Type.toObject` with enums as numbers and 64-bit integers as decimal strings,
 *   which are then turned into numbers (RangeError if outside Number.MAX_SAFE_INTEGER).
 */
import protobuf from "protobufjs";
import { WA_PROTO_SOURCE } from "./schema.js";

/** The parsed schema. `keepCase`: field names stay exactly as written (WAProto is already camelCase). */
export const waProtoRoot: protobuf.Root = protobuf.parse(WA_PROTO_SOURCE, { keepCase: true }).root;
waProtoRoot.resolveAll();

/** Encoder/decoder of one message type, e.g. `codec<CertChain>("proto.CertChain")`. */
export interface Codec<T> {
  /** Fully qualified protobuf name, e.g. "proto.CertChain.NoiseCertificate.Details". */
  readonly typeName: string;
  /** Serialises `value`; throws TypeError if a field has the wrong JS type. */
  encode(value: T): Uint8Array;
  /** Parses `bytes`; throws Error on malformed input, RangeError on an unsafe 64-bit integer. */
  decode(bytes: Uint8Array): T;
}

/** Protobuf scalar types that protobufjs represents as Long (or, without `long`, as number). */
const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, defaults: false, arrays: false };

/** Builds the codec of the message type `typeName` (throws if the schema has no such type). */
export function codec<T>(typeName: string): Codec<T> {
  const type = waProtoRoot.lookupType(typeName);
  return {
    typeName,
    encode(value: T): Uint8Array {
      const object = value as Record<string, unknown>;
      const problem = type.verify(object);
      if (problem !== null) throw new TypeError(`${typeName}: ${problem}`);
      let message: protobuf.Message;
      try {
        message = type.fromObject(object);
      } catch (cause) {
        // e.g. a string given for bytes that is not valid base64 (verify accepts strings there).
        throw new TypeError(`${typeName}: ${(cause as Error).message}`, { cause });
      }
      return type.encode(message).finish();
    },
    decode(bytes: Uint8Array): T {
      let message: protobuf.Message;
      try {
        message = type.decode(bytes);
      } catch (cause) {
        throw new Error(`${typeName}: cannot decode ${bytes.length} bytes: ${(cause as Error).message}`, { cause });
      }
      return longsToNumbers(type, type.toObject(message, TO_OBJECT)) as T;
    },
  };
}

/** Replaces, in place and recursively, the decimal strings of 64-bit fields by safe integers. */
function longsToNumbers(type: protobuf.Type, object: Record<string, unknown>): Record<string, unknown> {
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    if (LONG_TYPES.has(field.type)) {
      object[field.name] = Array.isArray(value)
        ? value.map((item) => toSafeInteger(type, field, item))
        : toSafeInteger(type, field, value);
    } else if (field.resolvedType instanceof protobuf.Type) {
      const nested = field.resolvedType;
      if (Array.isArray(value)) for (const item of value) longsToNumbers(nested, item as Record<string, unknown>);
      else longsToNumbers(nested, value as Record<string, unknown>);
    }
  }
  return object;
}

function toSafeInteger(type: protobuf.Type, field: protobuf.Field, value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`${type.fullName}.${field.name}: ${String(value)} is outside the safe integer range`);
  }
  return n;
}

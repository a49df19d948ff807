import { CloneType, type TSchema } from "@sinclair/typebox";
import type { Connector } from "../core/connector.js";

/** Per platform, the config fields whose default to replace: `{telegram: {apiRoot: "http://…"}}`. */
export type ConfigDefaults = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * The connectors with the `default` of some top-level config properties replaced (optional ones
 * included), so that the core's defaulting (`Value.Default` on create) fills them in and
 * `GET /v1/platforms` shows them: an instance created without `apiRoot` gets the sandbox's. A config
 * that names a value keeps it. Nothing else of a connector changes (it is copied with its schema
 * replaced: connectors are plain objects of data and closures). Connectors of other platforms, and
 * properties the schema does not declare, are left as they are.
 */
export function withConfigDefaults(connectors: readonly Connector[], defaults: ConfigDefaults): Connector[] {
  return connectors.map((c) => {
    const fields = defaults[c.platform];
    return fields ? { ...c, configSchema: schemaWithDefaults(c.configSchema, fields) } : c;
  });
}

/** A deep copy of an object schema with `default` set on the named properties it declares. */
function schemaWithDefaults(schema: TSchema, fields: Readonly<Record<string, unknown>>): TSchema {
  const copy = CloneType(schema);
  const props = (copy as { properties?: Record<string, TSchema> }).properties;
  if (!props) return schema;
  for (const [key, value] of Object.entries(fields)) {
    const prop = props[key];
    if (prop) prop.default = value;
  }
  return copy;
}

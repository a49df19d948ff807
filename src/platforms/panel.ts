/**
 * A sandbox's panel in the dashboard, described as data: the dashboard renders the parts
 * and runs the buttons' requests against the sandbox's control API through the gateway
 * (`/sandbox/<name>/<path>`), so a platform brings its panel with its module and the dashboard names
 * no platform.
 *
 * **Templates.** Strings marked *template* may contain `{…}` references, resolved against the
 * panel's context: `{<picker>.<field>}` the item selected in a picker (e.g. `{phone.id}`),
 * `{input.<id>}` a text input, `{vars.<name>.<field>}` an answer saved by a step, `{answer.<field>}`
 * the last step's answer, `{item.<field>}` the list item (in a list's item text and item button),
 * `{output.<id>}` an output's value, `{instance.name}` the instance selected in the dashboard and
 * `{instance.qr}` its pending QR (fetched when a step needs it), `{now}` the time of day. Field paths
 * may be dotted (`{message.text}`). `{a|text}` gives `text` when `a` is empty; `{a?yes:no}` gives
 * `yes` when `a` is true. A request whose path has an empty reference is not sent (a list is then
 * left empty; a button fails with "Not ready."). A body value that is exactly one reference keeps
 * the referenced value's type (a number stays a number).
 */
export interface SandboxPanel {
  /** The panel's heading and group name, e.g. "WhatsApp phone". */
  title: string;
  /** The accessible name of the panel's result line, e.g. "Phone result". */
  resultLabel: string;
  /**
   * How the control API wraps its answers: `plain` (the JSON is the answer; an error answer's
   * `error.message` is shown), or `bot-api` (`{ok: true, result}`; `{ok: false, description}`).
   */
  envelope: "plain" | "bot-api";
  /** The parts, in display order. */
  parts: readonly PanelPart[];
  /** Gateway events after which the panel's lists reload: their types, and whether only events of this platform count. */
  reloadOn?: { types: readonly string[]; samePlatform?: boolean };
}

/** One part of a panel. */
export type PanelPart = PanelPicker | PanelInput | PanelValue | PanelButton | PanelList | PanelRow | PanelHeading;

/** A request to the sandbox's control API. `path` (a template) is relative to its `/sandbox`. */
export interface PanelRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** JSON body; string values are templates. */
  body?: Readonly<Record<string, unknown>>;
}

/** A select of sandbox objects (phones, bots, users); the selected one is `{<id>.<field>}` in templates. */
export interface PanelPicker {
  kind: "picker";
  id: string;
  label: string;
  /** Loads the items when the panel opens and on "reload": the answer, or its member `items`. */
  load?: PanelRequest & { items?: string };
  /** The item field that identifies it (the option value). */
  value: string;
  /** The option text (template over the item, e.g. `{id} (+{number})`). */
  text: string;
  /** Saved answers (`vars`) forgotten when the selection changes (e.g. the contact of the previous phone). */
  resets?: readonly string[];
}

/** A one-line text input; its value is `{input.<id>}`. */
export interface PanelInput {
  kind: "input";
  id: string;
  label: string;
}

/**
 * A line showing a value (`<output>`, a live region): `text` (a template) is shown after `prefix`
 * and redrawn whenever the panel changes; or, with `set`, the value a button put there.
 */
export interface PanelValue {
  kind: "value";
  id: string;
  /** The output's accessible name, e.g. "Phone number", "Bot token". */
  label: string;
  prefix?: string;
  /** Template redrawn on every change (absent: only buttons set it, see `PanelDone.set`). */
  text?: string;
  /** Shown as a secret (no live announcement, a class for styling). */
  secret?: boolean;
}

/** A condition of a button: `value` (a template) must not be empty, else `message` is shown. */
export interface PanelRequirement {
  value: string;
  message: string;
}

/** One request of a button, in order. */
export interface PanelStep extends PanelRequest {
  /** Keeps the answer as `vars.<saveAs>` (kept until a picker's `resets` forgets it). */
  saveAs?: string;
  /** Skips this step when `vars.<name>` is already saved (create a contact once). */
  unlessSaved?: string;
}

/** What a button does after its steps succeeded. */
export interface PanelDone {
  /** The result line (template; `{answer.…}` is the last step's answer). */
  result: string;
  /** Adds the last answer to this picker and selects it. */
  addTo?: string;
  /** Puts a value (template) into a `value` part. */
  set?: { value: string; text: string };
  /** Empties these inputs. */
  clear?: readonly string[];
  /** Reloads the lists (and pickers with `load`). Default true. */
  reload?: boolean;
  /** Puts a value (template) into the selected instance's connect form, login field `name`. */
  fillLogin?: { name: string; text: string };
}

/** A button. */
export interface PanelButton {
  kind: "button";
  id: string;
  label: string;
  style?: "primary" | "small" | "danger";
  requires?: readonly PanelRequirement[];
  steps: readonly PanelStep[];
  done: PanelDone;
}

/** A list read from the control API, reloaded after every button and on `reloadOn` events. */
export interface PanelList {
  kind: "list";
  id: string;
  /** The list's accessible name, e.g. "Linked devices". */
  label: string;
  /** A heading shown above it. */
  heading?: string;
  /** `ol` (a conversation, in order) or `ul` (default). */
  ordered?: boolean;
  request: PanelRequest & { items?: string };
  /** Only items where this field (dotted path) is a non-empty string or true. */
  where?: string;
  /** Item text (template over the item). */
  text: string;
  /** A class per item (template), e.g. `{from}`. */
  itemClass?: string;
  /** Shown when the list is empty. */
  empty?: string;
  /** A button on every item (`{item.…}` in its templates). */
  itemButton?: { label: string; style?: "small" | "danger"; steps: readonly PanelStep[]; done: PanelDone };
}

/** Parts side by side. */
export interface PanelRow {
  kind: "row";
  parts: readonly PanelPart[];
}

/** A sub-heading. */
export interface PanelHeading {
  kind: "heading";
  text: string;
}

/**
 * Linked devices: what a phone shows under "Linked devices", and the three ways a companion's
 * session ends other than the client closing its socket.
 *
 * - The companion logs out: `<iq type="set" xmlns="md" to="s.whatsapp.net"><remove-companion-device
 *   jid="user:dev@s.whatsapp.net" reason="user_initiated"/></iq>` (Baileys rc14 lib/Socket/socket.js
 *   `logout`, which sends it with `sendNode`, does not wait for the answer, and ends its socket with
 *   DisconnectReason.loggedOut itself; whatsmeow `Logout` waits for the result). The sandbox answers
 *   `<iq type="result">`, unlinks the device, and ends every session of it as for a removal by the phone.
 * - The phone removes the device: each open session of it gets
 *   `<stream:error code="401"><conflict type="device_removed"/></stream:error>` and is closed
 *   (whatsmeow connectionevents.go `handleStreamError`: code 401 + conflict type device_removed is
 *   "logged out"; Baileys lib/Utils/generics.js `getErrorCodeFromStreamError` takes the code, 401 =
 *   DisconnectReason.loggedOut, and the `<conflict>` node as the error's `data`). A later login with
 *   its credentials gets `<failure reason="401">` (server.ts: the device is no longer in the list).
 * - Another socket logs in as the same device: the older session gets
 *   `<stream:error><conflict type="replaced"/></stream:error>` without a code, which Baileys maps
 *   through its CODE_MAP (`conflict` → 440, DisconnectReason.connectionReplaced); the newer one stays.
 *
 * Not simulated: the `<notification type="devices">` other devices of the account get about the
 * change, and the phone's own device-list bookkeeping (ADV key index lists) after a removal.
 */
import type { BinaryNode } from "./binary/index.js";
import type { LinkedDevice, SandboxPhone } from "./phone.js";
import { type ClientPayload, proto, waProtoRoot } from "./proto/index.js";
import type { Connection } from "./server.js";
import type { SandboxState } from "./state.js";

/** One linked device as the control API lists it. Times are sandbox clock milliseconds. */
export interface DeviceInfo {
  /** Device number (1..255). */
  device: number;
  /** "user:device@s.whatsapp.net". */
  jid: string;
  /** "lid:device@lid". */
  lid: string;
  /** Companion platform id from the QR (Baileys' CompanionWebClientType as a decimal string, "1" = Chrome). */
  platform: string;
  /** The companion's DeviceProps.os (Baileys: `browser[0]`, e.g. "Ubuntu"), if it sent one. */
  name: string | null;
  /** The companion's DeviceProps.platformType name (e.g. "CHROME"), if it sent one. */
  platformType: string | null;
  linkedAt: number;
  /** Last login or last session end of this device; null if it never logged in. */
  lastSeen: number | null;
  /** Whether a session of this device is open now. */
  connected: boolean;
}

/** What the companion said about itself at registration (ClientPayload.devicePairingData.deviceProps). */
export interface CompanionProps {
  name?: string;
  platformType?: string;
}

const PLATFORM_TYPES = waProtoRoot.lookupEnum("proto.DeviceProps.PlatformType").valuesById;

/**
 * The DeviceProps of a registration ClientPayload (Baileys rc14 lib/Utils/validate-connection.js
 * `generateRegistrationNode`: os = browser[0], platformType from browser[1]). Empty when absent or
 * undecodable.
 */
export function companionProps(payload: ClientPayload | undefined): CompanionProps {
  const bytes = payload?.devicePairingData?.deviceProps;
  if (!bytes) return {};
  try {
    const props = proto.DeviceProps.decode(bytes);
    return {
      ...(props.os ? { name: props.os } : {}),
      ...(props.platformType !== undefined ? { platformType: PLATFORM_TYPES[props.platformType] ?? String(props.platformType) } : {}),
    };
  } catch {
    return {};
  }
}

/** The open sessions (logged-in connections) of `phone`'s device `device`. */
export function sessionsOf(state: SandboxState, phone: SandboxPhone, device: number): Connection[] {
  return [...state.connections].filter((c) => c.loggedIn?.phone === phone && c.loggedIn.device.device === device);
}

/** The confirmed linked devices of `phone`, in device-number order. */
export function listDevices(state: SandboxState, phone: SandboxPhone): DeviceInfo[] {
  return [...phone.devices.values()]
    .filter((d) => d.confirmed)
    .sort((a, b) => a.device - b.device)
    .map((d) => deviceInfo(d, sessionsOf(state, phone, d.device).length > 0));
}

export function deviceInfo(d: LinkedDevice, connected: boolean): DeviceInfo {
  return {
    device: d.device,
    jid: d.jid,
    lid: d.lid,
    platform: d.platform,
    name: d.name ?? null,
    platformType: d.platformType ?? null,
    linkedAt: d.linkedAt,
    lastSeen: d.lastSeen ?? null,
    connected,
  };
}

/**
 * The confirmed device of `phone` named by `ref`: its number ("2"), its JID or its LID. Undefined if
 * there is none.
 */
export function findDevice(phone: SandboxPhone, ref: string): LinkedDevice | undefined {
  const byNumber = /^\d{1,3}$/.test(ref) ? phone.devices.get(Number(ref)) : undefined;
  const found = byNumber ?? [...phone.devices.values()].find((d) => d.jid === ref || d.lid === ref);
  return found?.confirmed ? found : undefined;
}

/** `<stream:error code="401"><conflict type="device_removed"/></stream:error>` (see the module comment). */
export const DEVICE_REMOVED: BinaryNode = {
  tag: "stream:error",
  attrs: { code: "401" },
  content: [{ tag: "conflict", attrs: { type: "device_removed" } }],
};

/** `<stream:error><conflict type="replaced"/></stream:error>` (see the module comment). */
export const REPLACED: BinaryNode = { tag: "stream:error", attrs: {}, content: [{ tag: "conflict", attrs: { type: "replaced" } }] };

/**
 * Unlinks `device` from `phone` and ends each of its open sessions with {@link DEVICE_REMOVED}.
 * Returns what the device was (connected: whether a session was open). Later logins with its
 * credentials are refused with 401.
 */
export function removeDevice(state: SandboxState, phone: SandboxPhone, device: LinkedDevice): DeviceInfo {
  const sessions = sessionsOf(state, phone, device.device);
  phone.devices.delete(device.device);
  const now = state.clock.now();
  for (const conn of sessions) endSession(conn, DEVICE_REMOVED);
  if (sessions.length > 0) device.lastSeen = now;
  return deviceInfo(device, sessions.length > 0);
}

/**
 * Called once `conn` has logged in (after `<success>`): records the device as seen and ends every
 * older session of the same device with {@link REPLACED}.
 */
export function onDeviceLogin(conn: Connection): void {
  const login = conn.loggedIn;
  if (!login) return;
  login.device.lastSeen = conn.env.clock.now();
  for (const older of sessionsOf(conn.env.state, login.phone, login.device.device)) {
    if (older !== conn) endSession(older, REPLACED);
  }
}

/** Called when a logged-in connection closes: the device was last seen now. */
export function onDeviceClose(conn: Connection): void {
  if (conn.loggedIn) conn.loggedIn.device.lastSeen = conn.env.clock.now();
}

/** Sends `error` (a stream error) and closes the connection; a closed one is left alone. */
function endSession(conn: Connection, error: BinaryNode): void {
  try {
    conn.sendNode(error);
  } catch {
    // the socket is already gone: closing is all that is left
  }
  conn.close();
}

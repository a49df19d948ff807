/**
 * `@switchboard/client`: the TypeScript SDK of the Switchboard gateway. No dependencies; runs in
 * Node ≥ 22 and in browsers (global `fetch`). See docs/sdk.md.
 */
export { Switchboard, type ListInstancesOptions, type SwitchboardOptions } from "./switchboard.js";
export { InstanceClient, type CallOptions } from "./instance.js";
export {
  WebhooksClient,
  type AttemptPage,
  type AttemptsOptions,
  type CreateWebhookInput,
  type RedeliverInput,
  type UpdateWebhookInput,
  type Webhook,
  type WebhookAttempt,
  type WebhookWithSecret,
} from "./webhooks.js";
export { isTerminalListenError, type ListenCallback, type ListenError, type ListenOptions, type Listener } from "./listen.js";
export { type EventPage, type PagedReplayOptions } from "./replay.js";
export {
  GatewayTimeoutError,
  GatewayUnreachableError,
  SwitchboardError,
  TransportError,
  isSwitchboardError,
  type ErrorBody,
} from "./errors.js";
export {
  DEFAULT_TIMEOUT_MS,
  HttpClient,
  displayUrl,
  type FetchLike,
  type HttpClientOptions,
  type QueryValue,
  type RawResponse,
  type RequestOptions,
} from "./http.js";
export type {
  ConnectOptions,
  CreateInstanceInput,
  CreatedInstance,
  DeletedInstance,
  DesiredState,
  ErrorCode,
  ErrorInfo,
  EventData,
  EventEnvelope,
  EventType,
  GlobalReplayOptions,
  HistoryEntry,
  InstanceStatus,
  InstanceView,
  JsonSchema,
  LoginMethod,
  LogoutResult,
  ContentType,
  MessageData,
  MessageDeletedData,
  MessageEditedData,
  MessageOperation,
  MessageReactionData,
  MessageSupport,
  OutboundContent,
  Page,
  PairingCode,
  PendingQr,
  PlatformInfo,
  ReceivedContent,
  ReceivedMedia,
  RemoteLogoutOutcome,
  ReplayOptions,
  SelfInfo,
  SendMessageInput,
  SentMessage,
  UploadedMedia,
  StatusState,
  SwitchboardEvent,
  TokenView,
} from "./types.js";
/** The sandboxes of a gateway in sandbox mode (`GET /sandbox`) and their dashboard panels, as data. */
export type * from "../../src/platforms/panel.js";
export type { SandboxView } from "../../src/sandbox-mode/index.js";

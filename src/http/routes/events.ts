import type { OutgoingHttpHeaders } from "node:http";
import websocket from "@fastify/websocket";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { err } from "../../core/errors.js";
import type { EventFeed, FeedCaller } from "../../events/feed.js";
import { EventPageRef, EventRef } from "../../events/schema.js";
import { SSE_HEADERS, sseSink } from "../../events/stream/sse.js";
import { wsSink } from "../../events/stream/ws.js";
import { MAX_EVENT_PATTERNS, normaliseEventFilter } from "../../events/webhooks/filter.js";
import { TOKEN_QUERY_PARAM, WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from "../browser-token.js";
import { toSwitchboardError } from "../errors.js";
import { MAX_EVENT_PAGE } from "../../store/types.js";
import { InstanceName, InstanceParams, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["events"];

/** Default page size of the replay routes. */
export const DEFAULT_EVENT_PAGE = 100;
/** `retry:` advertised to EventSource clients, ms. */
const SSE_RETRY_MS = 2000;
/** Largest WebSocket message accepted from a client (clients have nothing to say), bytes. */
const WS_MAX_PAYLOAD = 4096;


const TypeFilter = Type.Union(
  [Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 2000 }), { maxItems: MAX_EVENT_PATTERNS })],
  {
    description:
      "Only these event types: exact names, `prefix.*` (`message.*`) or `*`, as for webhook subscriptions; repeat the parameter or separate entries with commas (`type=message.*,instance.status`). Unknown names match nothing.",
  },
);
const After = Type.String({
  minLength: 1,
  maxLength: 256,
  description: "Only events after this event id (exclusive). Unknown or pruned → 410 `EVENTS_EXPIRED`.",
});
// Validation fills the `default` in, so whether a caller gave `limit` is read from the URL (pageOf).
const Limit = Type.Integer({ minimum: 1, maximum: MAX_EVENT_PAGE, default: DEFAULT_EVENT_PAGE, description: `Page size (1–${MAX_EVENT_PAGE}).` });
const Last = Type.Integer({
  minimum: 1,
  maximum: MAX_EVENT_PAGE,
  description:
    `Only the newest \`last\` matching events (1–${MAX_EVENT_PAGE}; after \`after\` when given), still oldest first; \`next\` is then null. ` +
    "Instead of `limit`: giving both is 400 `VALIDATION_FAILED`.",
});

const InstanceEventsQuery = Type.Object({
  after: Type.Optional(After),
  limit: Type.Optional(Limit),
  last: Type.Optional(Last),
  type: Type.Optional(TypeFilter),
});
const AllEventsQuery = Type.Object({
  after: Type.Optional(After),
  limit: Type.Optional(Limit),
  last: Type.Optional(Last),
  type: Type.Optional(TypeFilter),
  instance: Type.Optional(InstanceName),
});
const StreamQuery = Type.Object({
  after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: "Resume after this event id (SSE: the `Last-Event-ID` header wins). Absent: only new events. Unknown or pruned → `EVENTS_EXPIRED`.",
    }),
  ),
  type: Type.Optional(TypeFilter),
  /** Only this instance (an instance token may name only its own). */
  instance: Type.Optional(InstanceName),
  [TOKEN_QUERY_PARAM]: Type.Optional(
    Type.String({ description: "The token, for browser clients that cannot set headers (EventSource). Never logged. Prefer a header." }),
  ),
});

/**
 * The event routes (see docs/events.md):
 * - `GET /v1/instances/:name/events?after&limit|last&type` (account or own instance token) → `{items, next}`;
 * - `GET /v1/events?after&limit|last&type&instance` (account token) → `{items, next}`;
 * - `GET /v1/events/stream?after&type&instance` (any token, scoped): a WebSocket upgrade, or SSE
 *   with `Accept: text/event-stream`; any other request is 406.
 * Open streams are ended (`SHUTTING_DOWN`) when the app closes. Registered only when `deps.events` is set.
 */
export function eventRoutes(app: FastifyInstance, { events: feed }: RouteDeps): void {
  if (!feed) return;
  app.get<{ Params: Static<typeof InstanceParams>; Querystring: Static<typeof InstanceEventsQuery> }>(
    "/v1/instances/:name/events",
    {
      config: { access: "instance" },
      schema: {
        tags: TAGS,
        operationId: "listInstanceEvents",
        summary: "Replay an instance's events",
        description:
          "Stored events of the instance, oldest first, after `after`. Continue with `after = next` until `next` is null. " +
          "`last=N` answers the newest N instead (e.g. a view of recent events).",
        params: InstanceParams,
        querystring: InstanceEventsQuery,
        response: { 200: { ...EventPageRef, description: "A page of events, oldest first." }, ...errorResponses },
      },
    },
    async (request) => {
      const { after, type } = request.query;
      const caller = callerOf(request);
      const instance = await feed.scope(caller, request.params.name);
      return feed.replay({ caller, instance, ...(after !== undefined && { after }), types: parseTypes(type), ...pageOf(request) });
    },
  );

  app.get<{ Querystring: Static<typeof AllEventsQuery> }>(
    "/v1/events",
    {
      config: { access: "account" },
      schema: {
        tags: TAGS,
        operationId: "listEvents",
        summary: "Replay every event",
        description: "Stored events of every instance (and gateway-level ones), oldest first, after `after` (or the newest `last`). Account token only.",
        querystring: AllEventsQuery,
        response: { 200: { ...EventPageRef, description: "A page of events, oldest first." }, ...errorResponses },
      },
    },
    async (request) => {
      const { after, type, instance: name } = request.query;
      const caller = callerOf(request);
      const instance = await feed.scope(caller, name);
      return feed.replay({ caller, instance, ...(after !== undefined && { after }), types: parseTypes(type), ...pageOf(request) });
    },
  );

  // A refused WebSocket handshake (401, 403, 404, 429 …) is answered as plain HTTP on the raw socket,
  // which nothing else closes once that answer is sent.
  app.addHook("onResponse", (request, _reply, done) => {
    if (isWebSocketUpgrade(request)) request.raw.socket.destroy();
    done();
  });

  app.register(async (scope) => {
    await scope.register(websocket, {
      options: {
        maxPayload: WS_MAX_PAYLOAD,
        handleProtocols: (offered: Set<string>) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
      },
      preClose(done) {
        feed.endStreams();
        for (const client of this.websocketServer.clients) client.close(1001, "SHUTTING_DOWN");
        this.websocketServer.close();
        done();
      },
    });
    // SSE streams are plain responses: without this, closing the server would wait for them.
    scope.addHook("preClose", (done) => {
      feed.endStreams();
      done();
    });

    scope.route<{ Querystring: Static<typeof StreamQuery> }>({
      method: "GET",
      url: "/v1/events/stream",
      // A HEAD request would open a stream whose body is never sent.
      exposeHeadRoute: false,
      config: { access: "token", browserToken: true },
      schema: {
        tags: TAGS,
        operationId: "streamEvents",
        summary: "Live event stream (WebSocket or SSE)",
        description:
          "A WebSocket upgrade (one text message per event), or Server-Sent Events with `Accept: text/event-stream` (`id:` the event id, `data:` the event). " +
          "Catches up from `after` (or `Last-Event-ID`), then follows live events, in order, without gaps or duplicates. " +
          "An instance token sees only its own instance. Browsers: pass the token as `access_token` or as the WebSocket subprotocol " +
          `\`${WS_TOKEN_PROTOCOL_PREFIX}<token>\` next to \`${WS_PROTOCOL}\`. See docs/events.md for heartbeats, endings and close codes.`,
        querystring: StreamQuery,
        headers: Type.Object({
          "last-event-id": Type.Optional(Type.String({ maxLength: 256, description: "SSE resume point (sent by EventSource when it reconnects)." })),
        }),
        response: {
          200: {
            description: "An SSE stream of events.",
            content: { "text/event-stream": { schema: Type.String({ description: "`id: <event id>` + `data: <Event JSON>` frames." }) } },
          },
          101: { description: "Switched to WebSocket: each text message is an `Event`.", content: { "application/json": { schema: EventRef } } },
          ...errorResponses,
        },
      },
      // Malformed type patterns are refused before a WebSocket upgrade, like any other bad parameter.
      preHandler: (request, _reply, done) => {
        try {
          parseTypes(request.query.type);
          done();
        } catch (e) {
          done(e as Error);
        }
      },
      handler: async (request, reply) => {
        if (!acceptsEventStream(request.headers.accept)) {
          throw err("VALIDATION_FAILED", {
            status: 406,
            message: "Open this route as a WebSocket, or as Server-Sent Events with `Accept: text/event-stream`.",
            details: { reason: "not_acceptable", supported: ["text/event-stream", "websocket"] },
          });
        }
        const attach = await open(feed, request);
        reply.hijack();
        const headers: OutgoingHttpHeaders = { ...SSE_HEADERS };
        for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined && !(k in headers)) headers[k] = v;
        reply.raw.writeHead(200, headers);
        attach(sseSink(reply.raw, SSE_RETRY_MS, attach.startCursor));
      },
      wsHandler: async (socket, request) => {
        const sink = wsSink(socket);
        try {
          const attach = await open(feed, request as FastifyRequest<{ Querystring: Static<typeof StreamQuery> }>);
          attach(sink);
        } catch (e) {
          sink.end(toSwitchboardError(e).error);
        }
      },
    });
  });
}

/** Resolves scope and resume point of a stream request; the returned function starts it on a transport. */
async function open(feed: EventFeed, request: FastifyRequest<{ Querystring: Static<typeof StreamQuery> }>) {
  const caller = callerOf(request);
  const instance = await feed.scope(caller, request.query.instance);
  const lastEventId = request.headers["last-event-id"];
  const after = (typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : undefined) ?? request.query.after;
  return feed.openStream({ caller, instance, ...(after !== undefined && { after }), types: parseTypes(request.query.type) });
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  const upgrade = request.headers.upgrade;
  return typeof upgrade === "string" && upgrade.toLowerCase() === "websocket";
}

function callerOf(request: FastifyRequest): FeedCaller {
  const auth = request.auth;
  if (!auth) throw err("UNAUTHENTICATED");
  return { scope: auth.record.scope, instanceId: auth.record.instanceId, instanceName: auth.instanceName, tokenHash: auth.record.hash };
}

/**
 * The page of a replay request: `last=N` → the newest N, else `limit` (default {@link DEFAULT_EVENT_PAGE},
 * filled in by validation) from the oldest. Whether the caller gave `limit` is read from the request's
 * URL, since the validated query always has one.
 * @throws `VALIDATION_FAILED` (`details.issues` at `query.last`) when both are given.
 */
function pageOf(request: { url: string; query: { limit?: number; last?: number } }): { limit: number; newest?: true } {
  const { limit, last } = request.query;
  if (last === undefined) return { limit: limit ?? DEFAULT_EVENT_PAGE };
  const search = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
  if (new URLSearchParams(search).has("limit")) {
    throw err("VALIDATION_FAILED", {
      message: "Give either `limit` (the oldest events after `after`) or `last` (the newest ones), not both.",
      details: { issues: [{ path: "query.last", message: "Give either limit or last, not both" }] },
    });
  }
  return { limit: last, newest: true };
}

/**
 * Event type patterns from `type` (repeated and/or comma-separated): exact names, `prefix.*` or `*`,
 * as for webhook subscriptions. @throws `VALIDATION_FAILED` for a malformed entry.
 */
export function parseTypes(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((p) => p.split(","));
  return normaliseEventFilter(parts, "query.type");
}

/** Whether an `Accept` header asks for `text/event-stream` explicitly (a wildcard is not enough: a plain GET gets 406, not an endless response). */
function acceptsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((part) => {
    const [media, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (media !== "text/event-stream") return false;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

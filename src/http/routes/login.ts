import type { FastifyInstance } from "fastify";
import { Type, type Static } from "@sinclair/typebox";
import QRCode from "qrcode";
import { err } from "../../core/errors.js";
import { negotiate } from "../negotiate.js";
import { InstanceParams, PairingCodeBody, PairingCodeResponse, QrJson, QrQuery, binary, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const TAGS = ["login"];

/** QR representations, in server preference order. */
const QR_MEDIA = { json: "application/json", png: "image/png", svg: "image/svg+xml" } as const;
type QrFormat = keyof typeof QR_MEDIA;
const OFFERED = Object.values(QR_MEDIA);

/** Pixels per QR module and quiet-zone width (modules) of rendered images. */
export const QR_RENDER = { margin: 2, scale: 8, errorCorrectionLevel: "M" } as const;

/**
 * Login helpers for a pending login (account token or the instance's own token):
 * - `GET /v1/instances/:name/qr` → `{qr, expiresAt, attempt}` as JSON (default), or the QR rendered
 *   as `image/png` / `image/svg+xml`, chosen by `?format=json|png|svg` or else the `Accept` header;
 *   nothing acceptable → 406 `VALIDATION_FAILED`; no QR pending → 409 `NO_LOGIN_PENDING`.
 *   Answers carry `Cache-Control: no-store` (a valid QR is a secret) and `Vary: Accept`.
 * - `POST /v1/instances/:name/pairing-code` `{phoneNumber}` → `{code, expiresAt}`.
 */
export function loginRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.get<{ Params: Static<typeof InstanceParams>; Querystring: Static<typeof QrQuery> }>(
    "/v1/instances/:name/qr",
    {
      config: { access: "instance" },
      schema: {
        tags: TAGS,
        operationId: "getQr",
        summary: "Pending QR code",
        description:
          "The QR of a pending QR login. JSON by default; `image/png` or `image/svg+xml` through the Accept header or `?format=png|svg`.",
        params: InstanceParams,
        querystring: QrQuery,
        response: {
          200: {
            description: "The pending QR.",
            content: {
              "application/json": { schema: QrJson },
              "image/png": { schema: binary("PNG image of the QR.") },
              "image/svg+xml": { schema: Type.String({ description: "SVG image of the QR." }) },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const format: QrFormat | undefined =
        request.query.format ?? formatOf(negotiate(request.headers.accept, OFFERED));
      reply.header("vary", "Accept");
      if (format === undefined) {
        throw err("VALIDATION_FAILED", {
          status: 406,
          message: `Not acceptable: this resource is available as ${OFFERED.join(", ")}.`,
          details: { reason: "not_acceptable", supported: OFFERED },
        });
      }
      const pending = await gateway.qr(request.params.name);
      reply.header("cache-control", "no-store");
      if (format === "json") return pending;
      if (format === "png") {
        const png = await QRCode.toBuffer(pending.qr, { ...QR_RENDER, type: "png" });
        return reply.type(QR_MEDIA.png).send(png);
      }
      const svg = await QRCode.toString(pending.qr, { ...QR_RENDER, type: "svg" });
      return reply.type(QR_MEDIA.svg).send(svg);
    },
  );

  app.post<{ Params: Static<typeof InstanceParams>; Body: Static<typeof PairingCodeBody> }>(
    "/v1/instances/:name/pairing-code",
    {
      config: { access: "instance", secretFields: ["code"] },
      schema: {
        tags: TAGS,
        operationId: "requestPairingCode",
        summary: "Request a pairing code",
        description: "While a login is pending, asks the platform for a pairing code for `phoneNumber` (to be entered on the phone).",
        params: InstanceParams,
        body: PairingCodeBody,
        response: { 200: PairingCodeResponse, ...errorResponses },
      },
    },
    async (request) => gateway.requestPairingCode(request.params.name, request.body.phoneNumber.replace(/^\+/, "")),
  );
}

function formatOf(media: string | undefined): QrFormat | undefined {
  return (Object.keys(QR_MEDIA) as QrFormat[]).find((f) => QR_MEDIA[f] === media);
}

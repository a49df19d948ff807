import type { FastifyInstance } from "fastify";
import type { Static } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import { err } from "../../core/errors.js";
import { InstanceParams, errorResponses } from "../schemas.js";
import type { RouteDeps } from "./deps.js";

const MediaParams = Type.Object({ name: InstanceParams.properties.name, mediaId: Type.String({ minLength: 1, maxLength: 512, description: "`content.media.mediaId` of a received message." }) });

const UploadSchema = Type.Object({
  mediaId: Type.String({ description: "Give it as `content.media.mediaId` in a send." }),
  mimeType: Type.String(),
  size: Type.Integer({ minimum: 1, description: "Bytes." }),
  fileName: Type.Optional(Type.String()),
  sha256: Type.String({ description: "Hex SHA-256 of the bytes." }),
  expiresAt: Type.Integer({ description: "Epoch ms; the upload is removed after." }),
});

/**
 * Media routes (instance token or account token):
 * - `GET /v1/instances/:name/media/:mediaId` → the bytes of a received file, streamed from the
 *   platform through the live session (`Content-Type`, `Content-Length` and `Content-Disposition`
 *   where known; 409 when not connected, 422 where the platform cannot, 404 an unknown file);
 * - `POST /v1/instances/:name/media` (multipart/form-data with one file part, e.g. `file`) → 201
 *   {@link UploadSchema}. The part is streamed to the media store, never
 * held whole in memory (@fastify/multipart over busboy); its `Content-Type` is the file's MIME type
 * (`application/octet-stream` when absent). Over the platform's limit: 413 `file_too_large` with
 * nothing kept; no file part: 400; a platform that sends no media: 422 `NOT_SUPPORTED`.
 */
export function mediaRoutes(app: FastifyInstance, { gateway }: RouteDeps): void {
  app.get<{ Params: Static<typeof MediaParams> }>(
    "/v1/instances/:name/media/:mediaId",
    {
      config: { access: "instance" },
      schema: {
        tags: ["messages"],
        operationId: "fetchMedia",
        summary: "Download a received file",
        description:
          "The bytes of a received file (`content.media.mediaId` of a `message.received`), fetched from the platform now through the live session and streamed (the instance must be connected).",
        params: MediaParams,
        produces: ["application/octet-stream"],
        response: { 200: Type.Unsafe({ type: "string", format: "binary", description: "The file." }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const media = await gateway.fetchMedia(request.params.name, request.params.mediaId);
      reply.header("content-type", media.mimeType ?? "application/octet-stream");
      if (media.size !== undefined) reply.header("content-length", String(media.size));
      if (media.fileName) reply.header("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(media.fileName)}`);
      reply.header("x-content-type-options", "nosniff");
      return reply.send(media.stream);
    },
  );

  app.post<{ Params: Static<typeof InstanceParams> }>(
    "/v1/instances/:name/media",
    {
      config: { access: "instance" },
      schema: {
        tags: ["messages"],
        operationId: "uploadMedia",
        summary: "Upload a file to send",
        description: "multipart/form-data with one file part. The answer's `mediaId` goes into a send's `content.media`. Kept 24 hours.",
        params: InstanceParams,
        consumes: ["multipart/form-data"],
        response: { 201: UploadSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw err("VALIDATION_FAILED", { status: 415, message: "Send the file as multipart/form-data.", details: { reason: "unsupported_media_type" } });
      }
      let part: Awaited<ReturnType<typeof request.file>>;
      try {
        part = await request.file();
      } catch (e) {
        const status = (e as { statusCode?: unknown }).statusCode;
        if (status === 413) throw err("VALIDATION_FAILED", { status: 413, message: "The file is too large.", details: { reason: "file_too_large" } });
        throw err("VALIDATION_FAILED", { message: "The multipart body could not be read.", details: { reason: "bad_multipart" } });
      }
      if (!part) throw err("VALIDATION_FAILED", { message: "The request has no file part.", details: { issues: [{ path: "body.file", message: "Required" }] } });
      const mimeType = part.mimetype && part.mimetype !== "" ? part.mimetype.split(";")[0]!.trim().toLowerCase() : "application/octet-stream";
      const fileName = part.filename ? part.filename.split(/[\\/]/).pop() : undefined;
      const record = await gateway.uploadMedia(request.params.name, part.file, { mimeType, ...(fileName ? { fileName } : {}) });
      if (part.file.truncated) throw err("VALIDATION_FAILED", { status: 413, message: "The file is too large.", details: { reason: "file_too_large" } });
      reply.code(201);
      const { instanceId: _i, createdAt: _c, ...out } = record;
      return out;
    },
  );
}

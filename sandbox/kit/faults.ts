/**
 * HTTP-level fault injection, shared by the sandboxes: what an unreachable, failing or slow platform
 * looks like to a client. Rules are kept until cleared and apply to the platform's API only, never
 * to the control API (`/sandbox…`), which must stay reachable to clear them.
 *
 * - `unreachable`: the connection of each matching request (or upgrade) is destroyed at once, before
 *   any answer (a client sees a reset: "socket hang up", `ECONNRESET`);
 * - `error`: each matching request is answered with `status` (default 503) and no body;
 * - `delay`: each matching request is handled `ms` milliseconds later (real time: it stands for the
 *   network).
 *
 * Selector (optional): `path`, a prefix of the request path (e.g. `/bot` for the Bot API methods,
 * `/ws/chat` for a WebSocket endpoint); none: every request. A sandbox may add its own, protocol-level
 * faults beside these (the WhatsApp Web sandbox's `drop` and `silence` of WebSocket connections).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ControlError, type ControlRoute, answer } from "./control.js";

export type HttpFaultKind = "unreachable" | "error" | "delay";

/** A kept fault rule. */
export interface HttpFaultRule {
  id: string;
  kind: HttpFaultKind;
  /** A path prefix; absent: every request of the platform's API. */
  path?: string;
  /** For `error`: the HTTP status (400–599, default 503). */
  status?: number;
  /** For `delay`: milliseconds, 1–600 000. */
  ms?: number;
}

const MAX_DELAY_MS = 600_000;
const CONTROL = /^\/sandbox(\/|$)/;

/** The fault rules of one sandbox. */
export class Faults {
  private readonly rules: HttpFaultRule[] = [];
  private nextId = 1;
  private readonly timers = new Set<NodeJS.Timeout>();

  /**
   * Adds a rule from a control request's body `{kind, path?, status?, ms?}`.
   * @throws {ControlError} 400 `bad_fault` for another kind or an out-of-range value.
   */
  add(input: Record<string, unknown>): HttpFaultRule {
    const kind = input.kind;
    if (kind !== "unreachable" && kind !== "error" && kind !== "delay") throw new ControlError(400, "bad_fault", 'kind must be "unreachable", "error" or "delay"');
    const rule: HttpFaultRule = { id: `fault-${this.nextId++}`, kind };
    if (input.path !== undefined) {
      if (typeof input.path !== "string" || !input.path.startsWith("/") || CONTROL.test(input.path)) {
        throw new ControlError(400, "bad_fault", "path must be a path prefix of the platform's API (not /sandbox)");
      }
      rule.path = input.path;
    }
    if (kind === "error") {
      const status = input.status === undefined ? 503 : Number(input.status);
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new ControlError(400, "bad_fault", "status must be 400–599");
      rule.status = status;
    }
    if (kind === "delay") {
      const ms = Number(input.ms);
      if (!Number.isInteger(ms) || ms < 1 || ms > MAX_DELAY_MS) throw new ControlError(400, "bad_fault", `ms must be 1–${MAX_DELAY_MS}`);
      rule.ms = ms;
    }
    this.rules.push(rule);
    return rule;
  }

  list(): HttpFaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** Removes one rule (`id`) or all; answers how many. */
  clear(id?: string): number {
    if (id === undefined) return this.rules.splice(0).length;
    const i = this.rules.findIndex((r) => r.id === id);
    if (i < 0) throw new ControlError(404, "fault_not_found", `no fault ${id}`);
    this.rules.splice(i, 1);
    return 1;
  }

  /** Applies the rules to a request, then (unless it ended it) calls `next`. */
  async request(req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> {
    const rule = this.match(req);
    if (!rule) return next();
    if (rule.kind === "unreachable") {
      req.socket.destroy();
      return;
    }
    if (rule.kind === "error") {
      req.resume();
      res.writeHead(rule.status ?? 503, { "content-length": 0 }).end();
      return;
    }
    await this.wait(rule.ms ?? 0);
    if (!req.socket.destroyed) next();
  }

  /** Applies the rules to an upgrade request, then (unless it ended it) calls `next`. */
  async upgrade(req: IncomingMessage, socket: Duplex, next: () => void): Promise<void> {
    const rule = this.match(req);
    if (!rule) return next();
    if (rule.kind === "unreachable") {
      socket.destroy();
      return;
    }
    if (rule.kind === "error") {
      socket.end(`HTTP/1.1 ${rule.status ?? 503} Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    await this.wait(rule.ms ?? 0);
    if (!socket.destroyed) next();
  }

  /** Clears pending delays (the sandbox closes). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private match(req: IncomingMessage): HttpFaultRule | undefined {
    if (this.rules.length === 0) return undefined;
    const path = new URL(req.url ?? "/", "http://sandbox").pathname;
    if (CONTROL.test(path)) return undefined;
    return this.rules.find((r) => r.path === undefined || path.startsWith(r.path));
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }
}

/**
 * The control routes of a sandbox's HTTP faults, for its router: `POST /sandbox/faults` `{kind,
 * path?, status?, ms?}` → 201 rule; `GET /sandbox/faults` → `{faults}`; `DELETE /sandbox/faults` →
 * `{cleared}`; `DELETE /sandbox/faults/:id` → `{cleared: 1}`.
 */
export function faultRoutes(faults: Faults): ControlRoute[] {
  return [
    { method: "POST", path: "/faults", doc: 'POST /sandbox/faults {kind: "unreachable"|"error"|"delay", path?, status?, ms?} — a kept fault of the platform API', run: async ({ body }) => answer(201, faults.add(await body())) },
    { method: "GET", path: "/faults", doc: "GET /sandbox/faults — the kept faults", run: () => ({ faults: faults.list() }) },
    { method: "DELETE", path: "/faults", doc: "DELETE /sandbox/faults — clears every fault", run: () => ({ cleared: faults.clear() }) },
    { method: "DELETE", path: "/faults/:id", doc: "DELETE /sandbox/faults/:id — clears one fault", run: ({ params }) => ({ cleared: faults.clear(params.id) }) },
  ];
}

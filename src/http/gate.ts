import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * One step of the request gate: returns nothing when it is done, a promise when it has to wait, and
 * throws (or rejects) to refuse the request with that error.
 */
export type GateStep = (request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

/**
 * Installs `steps` as one `onRequest` hook that runs them in order: a step that answers at once
 * costs no promise and no hook dispatch of its own, so the common path (a cached token, a budget
 * left) stays cheap. The first step that throws or rejects ends the request with its error.
 */
export function installGate(app: FastifyInstance, steps: readonly GateStep[]): void {
  app.addHook("onRequest", (request, reply, done) => {
    let i = 0;
    const next = (): void => {
      try {
        while (i < steps.length) {
          const waiting = (steps[i++] as GateStep)(request, reply);
          if (waiting) {
            waiting.then(next, done);
            return;
          }
        }
      } catch (e) {
        done(e as Error);
        return;
      }
      done();
    };
    next();
  });
}

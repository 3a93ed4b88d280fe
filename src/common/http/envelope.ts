import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pendingIdempotency, settleIdempotency } from '../idempotency/idempotency.guard';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { Page } from '../pagination/page';

/** For the few routes whose callers expect a bare body (Meta's webhook handshake, Prometheus, file downloads). */
export const RawResponse = () => RouteConfig({ rawResponse: true });

const isRaw = (request: FastifyRequest) =>
  (request.routeOptions.config as { rawResponse?: boolean }).rawResponse === true;

/** `{ data }`, or for a page `{ data, meta: { pagination } }`. */
function envelopeOf(body: unknown): unknown {
  if (body instanceof Page) {
    return {
      data: body.items,
      meta: { pagination: { limit: body.limit, hasMore: body.hasMore, nextCursor: body.nextCursor } },
    };
  }
  return { data: body };
}

/**
 * Wraps every successful body in its envelope as Fastify serializes it (errors are rendered whole by
 * the exception filter), and stores the first response of a keyed `@Idempotent()` request before it
 * goes out; a keyed request answered otherwise (no body to store) releases its key. Fastify hooks
 * rather than a Nest interceptor: Nest runs each request through an interceptor in observables and an
 * AsyncResource (with two deprecation wrappers on Node 20), which measured a fifth of a
 * `POST /v1/messages`' CPU.
 */
export function envelopeResponses(fastify: FastifyInstance, idempotency: IdempotencyService): void {
  fastify.addHook('preSerialization', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 || isRaw(request)) {
      done(null, payload);
      return;
    }
    const pending = pendingIdempotency(request);
    if (!pending) {
      done(null, envelopeOf(payload));
      return;
    }
    idempotency.complete(pending.scope, pending.key, reply.statusCode, payload).then(
      () => {
        settleIdempotency(request);
        done(null, envelopeOf(payload));
      },
      (error: Error) => done(error),
    );
  });
  // Before the answer goes out, so a retry that follows it finds the key free.
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    const pending = pendingIdempotency(request);
    if (!pending) {
      done(null, payload);
      return;
    }
    settleIdempotency(request);
    idempotency.release(pending.scope, pending.key).then(
      () => done(null, payload),
      (error: Error) => done(error),
    );
  });
}

import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pendingIdempotency } from '../idempotency/idempotency.guard';
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
 * goes out. A Fastify hook rather than a Nest interceptor: Nest runs each request through an
 * interceptor in observables and an AsyncResource (with two deprecation wrappers on Node 20), which
 * measured a fifth of a `POST /v1/messages`' CPU.
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
      () => done(null, envelopeOf(payload)),
      (error: Error) => done(error),
    );
  });
}

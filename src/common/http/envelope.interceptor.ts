import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, Observable } from 'rxjs';
import { IdempotentReplies } from '../idempotency/idempotent-replies';
import { Page } from '../pagination/page';

const RAW_RESPONSE = 'owb:raw-response';

/** For the few routes whose callers expect a bare body (Meta's webhook handshake, Prometheus). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/**
 * Wraps every successful body as `{ data }`, and pages as `{ data, meta: { pagination } }`, around
 * the idempotent replay of `@Idempotent()` routes. The one global interceptor: Nest wraps each one it
 * chains, per request, in an AsyncResource (with two deprecation wrappers on Node 20) and observables,
 * whatever the interceptor then does.
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotentReplies: IdempotentReplies,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = this.idempotentReplies.around(context, () => next.handle());
    if (this.reflector.get<boolean>(RAW_RESPONSE, context.getHandler())) {
      return body;
    }
    return body.pipe(
      map((body: unknown) => {
        if (body === undefined) {
          return undefined;
        }
        if (body instanceof Page) {
          return {
            data: body.items,
            meta: { pagination: { limit: body.limit, hasMore: body.hasMore, nextCursor: body.nextCursor } },
          };
        }
        return { data: body };
      }),
    );
  }
}

import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { map, Observable } from 'rxjs';
import { Page } from '../pagination/page';

const RAW_RESPONSE = 'owb:raw-response';

/** For the few routes whose callers expect a bare body (Meta's webhook handshake, Prometheus). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every successful body as `{ data }`, and pages as `{ data, meta: { pagination } }`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.get<boolean>(RAW_RESPONSE, context.getHandler())) {
      return next.handle();
    }
    return next.handle().pipe(
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

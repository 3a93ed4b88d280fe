import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { Page } from '../pagination/page';

/** Wraps every successful body as `{ data }`, and pages as `{ data, meta: { pagination } }`. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
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

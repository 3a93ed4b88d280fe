import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import { Principal, PRINCIPAL_KEY } from '../../auth/principal';
import { AppException } from '../errors/app.exception';
import { IDEMPOTENT_METADATA } from './idempotent.decorator';
import { IdempotencyService } from './idempotency.service';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * For routes marked `@Idempotent()`: stores each keyed request's response for 24 h, per organization
 * (API keys) or per user (personal access tokens), and replays it for a retry with the same key.
 * It stores the handler's result; the envelope interceptor, which runs this around the handler,
 * wraps first response and replay alike.
 */
@Injectable()
export class IdempotentReplies {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  /** The handler's result (`handle`), or the stored first response of a retried request. */
  around(context: ExecutionContext, handle: () => Observable<unknown>): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { [PRINCIPAL_KEY]?: Principal }>();
    const header = request.headers['idempotency-key'];
    if (header === undefined || !this.reflector.get<boolean>(IDEMPOTENT_METADATA, context.getHandler())) {
      return handle();
    }
    const key = Array.isArray(header) ? header[0] : header;
    if (!KEY_FORMAT.test(key)) {
      throw AppException.validation('Invalid Idempotency-Key: use 1 to 255 printable ASCII characters', [
        { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters without spaces' },
      ]);
    }
    const principal = request[PRINCIPAL_KEY]!;
    const scope = principal.kind === 'apiKey' ? `org:${principal.organizationId}` : `user:${principal.userId}`;
    const reply = http.getResponse<FastifyReply>();
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    const claimRequest = { scope, key, method: request.method, path: request.url, body: request.body };

    return from(this.idempotency.claim(claimRequest)).pipe(
      switchMap((claim) => {
        if (claim.kind === 'replay') {
          void reply.header('Idempotent-Replayed', 'true');
          return of(claim.body);
        }
        return handle().pipe(
          switchMap((body: unknown) =>
            from(this.idempotency.complete(scope, key, status, body)).pipe(switchMap(() => of(body))),
          ),
          catchError((error: unknown) =>
            from(this.idempotency.release(scope, key)).pipe(switchMap(() => throwError(() => error))),
          ),
        );
      }),
    );
  }
}

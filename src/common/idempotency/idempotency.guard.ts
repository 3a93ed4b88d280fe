import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Principal, PRINCIPAL_KEY } from '../../auth/principal';
import { AppException } from '../errors/app.exception';
import { IdempotencyService } from './idempotency.service';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const PENDING = Symbol('owb:idempotency-pending');

/** A keyed request whose response is to be stored (or its key released, should it fail). */
export interface PendingIdempotency {
  scope: string;
  key: string;
}

type IdempotentRequest = FastifyRequest & { [PRINCIPAL_KEY]?: Principal; [PENDING]?: PendingIdempotency };

/** The keyed request's claim, set by the guard until its response is stored or its key released. */
export function pendingIdempotency(request: FastifyRequest): PendingIdempotency | undefined {
  return (request as IdempotentRequest)[PENDING];
}

/** Its response stored or its key released: nothing is left to do for the key. */
export function settleIdempotency(request: FastifyRequest): void {
  (request as IdempotentRequest)[PENDING] = undefined;
}

/** A retried request: its first response, sent again as it was (with `Idempotent-Replayed: true`). */
export class IdempotentReplay {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * For routes marked `@Idempotent()`, after authentication: a request with an `Idempotency-Key` claims
 * the key, per organization (API keys) or per user (personal access tokens), for 24 h. A retry with the
 * same key and body gets the first response (`IdempotentReplay`, which the exception filter sends);
 * the first response is stored as it goes out (`envelopeResponses`), and a failure releases the key.
 */
@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(private readonly idempotency: IdempotencyService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IdempotentRequest>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) {
      return true;
    }
    const key = Array.isArray(header) ? header[0] : header;
    if (!KEY_FORMAT.test(key)) {
      throw AppException.validation('Invalid Idempotency-Key: use 1 to 255 printable ASCII characters', [
        { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters without spaces' },
      ]);
    }
    const principal = request[PRINCIPAL_KEY]!;
    const scope = principal.kind === 'apiKey' ? `org:${principal.organizationId}` : `user:${principal.userId}`;
    const claim = await this.idempotency.claim({
      scope,
      key,
      method: request.method,
      path: request.url,
      body: request.body,
    });
    if (claim.kind === 'replay') {
      throw new IdempotentReplay(claim.status, claim.body);
    }
    request[PENDING] = { scope, key };
    return true;
  }
}

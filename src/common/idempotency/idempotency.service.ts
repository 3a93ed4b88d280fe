import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { IsNull, LessThan, LessThanOrEqual, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';
import { IdempotencyKey } from './idempotency-key.entity';

export interface IdempotentRequest {
  scope: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export type IdempotencyClaim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

@Injectable()
export class IdempotencyService {
  constructor(
    @InjectRepository(IdempotencyKey) private readonly keys: Repository<IdempotencyKey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Claims the key for this request, or returns the stored response of the request that claimed it.
   * The insert is the lock: of two concurrent requests with one key, exactly one proceeds.
   */
  async claim(request: IdempotentRequest): Promise<IdempotencyClaim> {
    const requestHash = hashRequest(request);
    const expiresAt = new Date(Date.now() + this.config.idempotency.ttlHours * 3_600_000);
    const inserted = await this.keys
      .createQueryBuilder()
      .insert()
      .values({
        scope: request.scope,
        key: request.key,
        requestMethod: request.method,
        requestPath: request.path.slice(0, 2048),
        requestHash,
        expiresAt,
      })
      .orIgnore()
      .returning('key')
      .execute();
    if ((inserted.raw as unknown[]).length > 0) {
      return { kind: 'claimed' };
    }

    const existing = await this.keys.findOneBy({ scope: request.scope, key: request.key });
    if (!existing) {
      // Released in between: claim it again (without deleting what another request may just have claimed).
      return this.claim(request);
    }
    if (existing.expiresAt <= new Date()) {
      // Expired: take it over for this request.
      await this.keys.delete({
        scope: request.scope,
        key: request.key,
        expiresAt: LessThanOrEqual(existing.expiresAt),
      });
      return this.claim(request);
    }
    if (existing.requestHash !== requestHash) {
      throw new AppException(
        ErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (existing.responseStatus === null) {
      throw new AppException(
        ErrorCode.Conflict,
        'A request with this Idempotency-Key is still being processed; retry shortly',
        undefined,
        { 'Retry-After': '1' },
      );
    }
    return { kind: 'replay', status: existing.responseStatus, body: existing.responseBody };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.keys.update({ scope, key }, { responseStatus: status, responseBody: body as object });
  }

  /** A failed request does not hold its key: the client may retry it with the same key. */
  async release(scope: string, key: string): Promise<void> {
    await this.keys.delete({ scope, key, responseStatus: IsNull() });
  }

  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.keys.delete({ expiresAt: LessThan(now) });
    return result.affected ?? 0;
  }
}

function hashRequest(request: IdempotentRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.path}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
}

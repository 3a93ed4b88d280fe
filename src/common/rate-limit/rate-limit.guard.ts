import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';

import { Principal, PRINCIPAL_KEY } from '../../auth/principal';
import { AppException } from '../errors/app.exception';
import { ErrorCode } from '../errors/error-code';

type RequestWithPrincipalAndIp = { [PRINCIPAL_KEY]?: Principal; ip?: string };

/**
 * Per-credential limits: each API key (its own `rateLimitPerMinute`, else the server default) and each
 * personal access token has one budget across all routes and replicas. Sends `RateLimit-*` headers,
 * and `429 RATE_LIMITED` with `Retry-After` when the budget is spent. Runs after authentication.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super(options, storage, reflector);
    this.headerPrefix = 'RateLimit';
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    // Public routes (health, docs, Meta's webhooks) have no credential to budget.
    return !context.switchToHttp().getRequest<RequestWithPrincipalAndIp>()[PRINCIPAL_KEY];
  }

  protected override async getTracker(request: RequestWithPrincipalAndIp): Promise<string> {
    const principal = request[PRINCIPAL_KEY];
    if (principal?.kind === 'apiKey') {
      return `key:${principal.apiKeyId}`;
    }
    if (principal?.kind === 'user') {
      return `pat:${principal.tokenId}`;
    }
    return `ip:${request.ip ?? 'unknown'}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(): Promise<void> {
    throw new AppException(ErrorCode.RateLimited, 'Too many requests: this credential is over its rate limit');
  }
}

/** The per-minute budget of the credential behind a request. */
export function limitFor(context: ExecutionContext, defaultPerMinute: number): number {
  const principal = context.switchToHttp().getRequest<RequestWithPrincipalAndIp>()[PRINCIPAL_KEY];
  return (principal?.kind === 'apiKey' ? principal.rateLimitPerMinute : null) ?? defaultPerMinute;
}

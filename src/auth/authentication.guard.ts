import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';
import { AuthErrors } from './auth-errors';
import { BearerAuthenticator } from './bearer-authenticator';
import { CredentialUsageRecorder } from './credential-usage.recorder';
import { AUTH_METADATA, AuthRequirement } from './decorators';
import { Principal, PRINCIPAL_KEY, RequestWithPrincipal } from './principal';
import { tokenKind } from './tokens';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The one global guard. Every route is closed unless marked `@Public()`, `@ApiKeyAuth()` or `@UserAuth()`.
 * It authenticates whatever credential was sent, then checks it is the kind the route needs and has its scopes.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger(AuthenticationGuard.name);
  constructor(
    private readonly reflector: Reflector,
    private readonly bearer: BearerAuthenticator,
    private readonly usage: CredentialUsageRecorder,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!requirement) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no auth; denying`);
      throw new AppException(ErrorCode.Forbidden, 'This route is not open to any credential');
    }
    if (requirement.public) {
      return true;
    }

    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const token = this.extractToken(request);
    const kind = tokenKind(token);
    if (!kind) {
      throw AuthErrors.malformed();
    }
    // passport-http-bearer reads the Authorization header (and nothing else, since it is always set here).
    request.headers.authorization = `Bearer ${token}`;
    const principal: Principal = await this.bearer.authenticate(kind === 'pat' ? 'pat' : 'api-key', request);
    request[PRINCIPAL_KEY] = principal;

    if (requirement.by === 'apiKey') {
      if (principal.kind !== 'apiKey') {
        throw AuthErrors.needsApiKey();
      }
      const missing = requirement.scopes.filter((scope) => !principal.scopes.includes(scope));
      if (missing.length > 0) {
        throw AuthErrors.missingScopes(missing);
      }
    } else if (principal.kind !== 'user') {
      throw AuthErrors.needsUserToken();
    }
    this.usage.record(principal);
    return true;
  }

  /** X-API-Token (personal access tokens) or Authorization: Bearer; never a query string or body field. */
  private extractToken(request: RequestWithPrincipal): string {
    const apiToken = request.headers['x-api-token'];
    if (typeof apiToken === 'string' && apiToken.trim() !== '') {
      return apiToken.trim();
    }
    const authorization = request.headers.authorization;
    if (typeof authorization !== 'string' || authorization.trim() === '') {
      throw AuthErrors.missing();
    }
    const match = BEARER.exec(authorization);
    if (!match) {
      throw AuthErrors.malformed();
    }
    return match[1];
  }
}

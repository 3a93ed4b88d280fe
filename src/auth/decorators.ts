import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { API_KEY_SECURITY, PAT_HEADER_SECURITY, PAT_SECURITY } from '../common/openapi/build-openapi-document';
import { ApiErrorResponses } from '../common/openapi/api-responses.decorator';
import { ApiKeyPrincipal, Principal, PRINCIPAL_KEY, RequestWithPrincipal, UserPrincipal } from './principal';
import type { Scope } from './scopes';

export const AUTH_METADATA = 'owb:auth';

export type AuthRequirement =
  { public: true } | { public?: false; by: 'apiKey'; scopes: readonly Scope[] } | { public?: false; by: 'user' };

/** Opens a route to anyone; every other route is closed by default. */
export const Public = () => SetMetadata(AUTH_METADATA, { public: true } satisfies AuthRequirement);

/**
 * Marks a route as needing an organization API key, optionally with scopes; documents the
 * security scheme, the scopes (as `x-required-scopes`) and the 401/403/429 answers.
 */
export function ApiKeyAuth(...scopes: Scope[]) {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, { by: 'apiKey', scopes } satisfies AuthRequirement),
    ApiBearerAuth(API_KEY_SECURITY),
    ApiExtension('x-required-scopes', scopes),
    ApiErrorResponses(401, 403, 429),
  );
}

/** Marks a route as needing a user's personal access token (account-level work). */
export function UserAuth() {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, { by: 'user' } satisfies AuthRequirement),
    ApiBearerAuth(PAT_SECURITY),
    ApiSecurity(PAT_HEADER_SECURITY),
    ApiErrorResponses(401, 403, 429),
  );
}

function principalOf(context: ExecutionContext): Principal | undefined {
  return context.switchToHttp().getRequest<RequestWithPrincipal>()[PRINCIPAL_KEY];
}

/** The API key behind the request; only on `@ApiKeyAuth()` routes. */
export const CurrentApiKey = createParamDecorator((_: unknown, context: ExecutionContext): ApiKeyPrincipal => {
  const principal = principalOf(context);
  if (principal?.kind !== 'apiKey') {
    throw new Error('CurrentApiKey used on a route that is not @ApiKeyAuth()');
  }
  return principal;
});

/** The user behind the request; only on `@UserAuth()` routes. */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = principalOf(context);
  if (principal?.kind !== 'user') {
    throw new Error('CurrentUser used on a route that is not @UserAuth()');
  }
  return principal;
});

import type { Scope } from './scopes';

/** Who is calling: an organization API key … */
export interface ApiKeyPrincipal {
  kind: 'apiKey';
  apiKeyId: string;
  organizationId: string;
  livemode: boolean;
  scopes: readonly Scope[];
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
}

/** … or a user with a personal access token. */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  tokenId: string;
  email: string;
  isPlatformAdmin: boolean;
  expiresAt: Date | null;
}

export type Principal = ApiKeyPrincipal | UserPrincipal;

/** The request property our auth guard sets; passport's own `user` property is not used. */
export const PRINCIPAL_KEY = 'principal';

export type RequestWithPrincipal = {
  [PRINCIPAL_KEY]?: Principal;
  headers: Record<string, string | string[] | undefined>;
};

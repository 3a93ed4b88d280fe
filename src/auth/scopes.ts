/**
 * What an organization API key may do. A key created without `scopes` gets all of them;
 * a restricted key gets only those listed. Each later feature checks its own scope.
 */
export const SCOPES = [
  'wabas:read',
  'wabas:write',
  'phone_numbers:read',
  'phone_numbers:write',
  'messages:read',
  'messages:write',
  'media:read',
  'media:write',
  'conversations:read',
  'conversations:write',
  'contacts:read',
  'contacts:write',
  'templates:read',
  'templates:write',
  'onboarding_links:read',
  'onboarding_links:write',
  'shared_inbox_links:read',
  'shared_inbox_links:write',
  'webhooks:read',
  'webhooks:write',
  'events:read',
] as const;

export type Scope = (typeof SCOPES)[number];

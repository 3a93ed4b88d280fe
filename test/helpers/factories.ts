import { randomUUID } from 'node:crypto';
import { PersonalAccessTokensService } from '../../src/auth/personal-access-tokens/personal-access-tokens.service';
import { UsersService } from '../../src/modules/users/users.service';
import type { components } from '../client/schema';
import type { TestService } from './test-service';

type ApiKeyCreate = components['schemas']['ApiKeyCreateDto'];

export const patHeaders = (pat: string) => ({ 'X-API-Token': pat });
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A user with a personal access token, as `create-admin` makes them. */
export async function newUser(service: TestService): Promise<{ userId: string; email: string; pat: string }> {
  const email = `user-${randomUUID()}@example.test`;
  const { user } = await service.context.get(UsersService).ensure(email, true);
  const { token } = await service.context.get(PersonalAccessTokensService).issue(user.id, 'test');
  return { userId: user.id, email, pat: token };
}

export async function newOrganization(service: TestService, pat: string, name = 'Acme'): Promise<string> {
  const { data, error } = await service.api.POST('/v1/organizations', { headers: patHeaders(pat), body: { name } });
  if (!data) {
    throw new Error(`creating an organization failed: ${JSON.stringify(error)}`);
  }
  return data.data.id;
}

export async function newApiKey(
  service: TestService,
  pat: string,
  orgId: string,
  body: Partial<ApiKeyCreate> = {},
): Promise<{ id: string; key: string }> {
  const { data, error } = await service.api.POST('/v1/organizations/{orgId}/api-keys', {
    headers: patHeaders(pat),
    params: { path: { orgId } },
    body: { name: 'test key', mode: 'test', ...body },
  });
  if (!data) {
    throw new Error(`creating an API key failed: ${JSON.stringify(error)}`);
  }
  return { id: data.data.id, key: data.data.key };
}

/** An organization with an owner and one API key: the usual starting point of a suite. */
export async function newTenant(service: TestService, keyBody: Partial<ApiKeyCreate> = {}) {
  const user = await newUser(service);
  const orgId = await newOrganization(service, user.pat);
  const apiKey = await newApiKey(service, user.pat, orgId, keyBody);
  return { ...user, orgId, apiKey };
}

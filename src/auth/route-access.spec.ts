import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument } from '../common/openapi/build-openapi-document';
import { loadConfig } from '../config/app-config';
import { createHttpApp } from '../service';
import { AUTH_METADATA, AuthRequirement } from './decorators';

/**
 * Every route and who may call it. A change here is a change of who can reach what:
 * review it as a permission change.
 */
const EXPECTED_ACCESS = [
  'DELETE /v1/contacts/:contactId  apiKey[contacts:write]',
  'DELETE /v1/media/:mediaId  apiKey[media:write]',
  'DELETE /v1/organizations/:orgId/api-keys/:keyId  user',
  'DELETE /v1/outgoing-webhooks/:endpointId  apiKey[webhooks:write]',
  'DELETE /v1/templates  apiKey[templates:write]',
  'DELETE /v1/templates/:templateId  apiKey[templates:write]',
  'DELETE /v1/wabas/:wabaId  apiKey[wabas:write]',
  'GET /health  public',
  'GET /health/ready  public',
  'GET /metrics  public',
  'GET /v1/admin/meta-webhooks  user',
  'GET /v1/admin/meta-webhooks/:eventId  user',
  'GET /v1/contacts  apiKey[contacts:read]',
  'GET /v1/contacts/:contactId  apiKey[contacts:read]',
  'GET /v1/contacts/:contactId/conversations  apiKey[conversations:read]',
  'GET /v1/conversations  apiKey[conversations:read]',
  'GET /v1/conversations/:conversationId  apiKey[conversations:read]',
  'GET /v1/conversations/:conversationId/messages  apiKey[conversations:read]',
  'GET /v1/events  apiKey[events:read]',
  'GET /v1/events/:eventId  apiKey[events:read]',
  'GET /v1/me  apiKey',
  'GET /v1/media/:mediaId  apiKey[media:read]',
  'GET /v1/media/:mediaId/content  apiKey[media:read]',
  'GET /v1/messages  apiKey[messages:read]',
  'GET /v1/messages/:messageId  apiKey[messages:read]',
  'GET /v1/messages/:messageId/statuses  apiKey[messages:read]',
  'GET /v1/messages/batch/:batchId  apiKey[messages:read]',
  'GET /v1/organizations  user',
  'GET /v1/organizations/:orgId  user',
  'GET /v1/organizations/:orgId/api-keys  user',
  'GET /v1/outgoing-webhooks  apiKey[webhooks:read]',
  'GET /v1/outgoing-webhooks/:endpointId  apiKey[webhooks:read]',
  'GET /v1/outgoing-webhooks/:endpointId/deliveries  apiKey[webhooks:read]',
  'GET /v1/phone-numbers  apiKey[phone_numbers:read]',
  'GET /v1/phone-numbers/:phoneNumberId  apiKey[phone_numbers:read]',
  'GET /v1/phone-numbers/:phoneNumberId/health  apiKey[phone_numbers:read]',
  'GET /v1/templates  apiKey[templates:read]',
  'GET /v1/templates/:templateId  apiKey[templates:read]',
  'GET /v1/wabas  apiKey[wabas:read]',
  'GET /v1/wabas/:wabaId  apiKey[wabas:read]',
  'GET /v1/webhooks/meta  public',
  'PATCH /v1/contacts/:contactId  apiKey[contacts:write]',
  'PATCH /v1/outgoing-webhooks/:endpointId  apiKey[webhooks:write]',
  'POST /v1/admin/meta-webhooks/:eventId/replay  user',
  'POST /v1/contacts  apiKey[contacts:write]',
  'POST /v1/conversations/:conversationId/read  apiKey[conversations:write]',
  'POST /v1/media  apiKey[media:write]',
  'POST /v1/messages  apiKey[messages:write]',
  'POST /v1/messages/:messageId/cancel  apiKey[messages:write]',
  'POST /v1/messages/:messageId/read  apiKey[messages:write]',
  'POST /v1/messages/batch  apiKey[messages:write]',
  'POST /v1/organizations  user',
  'POST /v1/organizations/:orgId/api-keys  user',
  'POST /v1/outgoing-webhooks  apiKey[webhooks:write]',
  'POST /v1/outgoing-webhooks/:endpointId/deliveries/:deliveryId/retry  apiKey[webhooks:write]',
  'POST /v1/outgoing-webhooks/:endpointId/replay  apiKey[webhooks:write]',
  'POST /v1/outgoing-webhooks/:endpointId/rotate-secret  apiKey[webhooks:write]',
  'POST /v1/outgoing-webhooks/:endpointId/test  apiKey[webhooks:write]',
  'POST /v1/phone-numbers/:phoneNumberId/register  apiKey[phone_numbers:write]',
  'POST /v1/sandbox/inbound  apiKey',
  'POST /v1/templates  apiKey[templates:write]',
  'POST /v1/templates/:templateId  apiKey[templates:write]',
  'POST /v1/templates/:templateId/preview  apiKey[templates:read]',
  'POST /v1/wabas  apiKey[wabas:write]',
  'POST /v1/wabas/:wabaId/templates/sync  apiKey[templates:write]',
  'POST /v1/webhooks/meta  public',
];

function describeAccess(requirement: AuthRequirement | undefined): string {
  if (!requirement) {
    return 'UNDECLARED';
  }
  if (requirement.public) {
    return 'public';
  }
  return requirement.by === 'apiKey' && requirement.scopes.length > 0
    ? `apiKey[${requirement.scopes.join(',')}]`
    : requirement.by;
}

describe('route access', () => {
  let app: NestFastifyApplication;
  let routes: { method: string; path: string; access: string }[];

  beforeAll(async () => {
    app = await createHttpApp(loadConfig({ LOG_LEVEL: 'silent' }), 'postgres://localhost/unused', { connect: false });
    const reflector = app.get(Reflector);
    const scanner = new MetadataScanner();
    routes = new DiscoveryService(app.get(ModulesContainer)).getControllers().flatMap(({ instance, metatype }) => {
      const prototype = Object.getPrototypeOf(instance) as object;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype!));
      return scanner.getAllMethodNames(prototype).map((name) => {
        const handler = (prototype as Record<string, () => unknown>)[name];
        const sub = String(Reflect.getMetadata(PATH_METADATA, handler));
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const path = `/${[base, sub].filter((part) => part && part !== '/').join('/')}`;
        const requirement = reflector.getAllAndOverride<AuthRequirement>(AUTH_METADATA, [handler, metatype!]);
        return { method, path, access: describeAccess(requirement) };
      });
    });
  });
  afterAll(() => app.close());

  it('declares who may call every route, and it is what we expect', () => {
    const actual = routes.map((r) => `${r.method} ${r.path}  ${r.access}`).sort();
    expect(actual).toEqual(EXPECTED_ACCESS);
  });

  it('documents the same access in the OpenAPI document', () => {
    const document = buildOpenApiDocument(app);
    // Operator endpoints (metrics) are deliberately left out of the client contract.
    for (const route of routes.filter((r) => r.path !== '/metrics')) {
      const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
      const operation = document.paths[openApiPath]?.[route.method.toLowerCase() as 'get'];
      expect(operation).toBeDefined();
      const schemes = (operation?.security ?? []).flatMap((entry) => Object.keys(entry)).sort();
      const expected: Record<string, string[]> = {
        public: [],
        user: ['personalAccessToken', 'personalAccessTokenHeader'],
        apiKey: ['apiKey'],
      };
      expect(schemes).toEqual(expected[route.access.replace(/\[.*\]$/, '')]);
    }
  });
});

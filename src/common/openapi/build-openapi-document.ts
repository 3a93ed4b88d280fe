import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

export const API_KEY_SECURITY = 'apiKey';
export const PAT_SECURITY = 'personalAccessToken';
export const PAT_HEADER_SECURITY = 'personalAccessTokenHeader';

const DESCRIPTION = `OpenWABA: a self-hostable, multi-tenant WhatsApp Business Platform API.

Authenticate organization calls with an API key (\`Authorization: Bearer owb_live_…\` or \`owb_test_…\`) and
account calls with a personal access token (\`X-API-Token: owb_pat_…\`, or \`Authorization: Bearer owb_pat_…\`).

Every success is \`{ "data": … }\`; lists add \`meta.pagination\` with an opaque \`nextCursor\`. Every error is
\`{ "error": { "code", "message", "details"?, "requestId" } }\` with a stable \`code\`.`;

/** Keys are sorted so the committed `openapi.yaml` only changes when the contract does. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeysDeep);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** `security: []` says in the contract what `@Public()` says in code: no credential needed. */
function markPublicOperations(document: OpenAPIObject): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      if (operation && !operation.security) {
        operation.security = [];
      }
    }
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('OpenWABA API')
    .setDescription(DESCRIPTION)
    .setVersion('1.0.0')
    .addServer('http://localhost:3000', 'A local OpenWABA (npm start)')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'Organization API key: owb_live_… or owb_test_…' },
      API_KEY_SECURITY,
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Personal access token: owb_pat_…' }, PAT_SECURITY)
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Token', description: 'Personal access token: owb_pat_…' },
      PAT_HEADER_SECURITY,
    )
    .build();

  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
    extraModels: [ErrorResponseDto],
  });
  markPublicOperations(document);
  return sortKeysDeep(document) as OpenAPIObject;
}

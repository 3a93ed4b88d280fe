import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** Meta's own OpenAPI for the Graph API (v23.0, MIT): the contract for our client and sandbox. */
const SPEC_PATH = join(__dirname, '../contract/meta-openapi/business-messaging-api_v23.0.yaml');

type Json = Record<string, any>;

/**
 * Validates Graph API bodies against Meta's OpenAPI: responses of a path and method, and the
 * webhook payload schema. Meta's spec is the truth where it and the sandbox disagree.
 */
export class MetaOpenApi {
  private readonly ajv: Ajv2020;
  private readonly spec: Json;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(specPath: string) {
    this.spec = parse(readFileSync(specPath, 'utf8'), { maxAliasCount: -1 }) as Json;
    repairInboundMessageRefs(this.spec.components.schemas);
    closeAllOfAtTheTop(this.spec.components.schemas);
    // The list schema's status enum lacks CONNECTED, the status Meta documents for every working
    // number (GET /{phone}, reference §8.1), and DISCONNECTED, which Meta's other schemas list.
    this.spec.components.schemas.WhatsAppPhoneNumberStatus.enum.push('CONNECTED', 'DISCONNECTED');
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'meta', components: this.spec.components }, 'meta');
  }

  static load(specPath = SPEC_PATH): MetaOpenApi {
    return new MetaOpenApi(specPath);
  }

  /** Errors (empty when valid) of `body` as the `status` response of `method path`, e.g. `POST /{Version}/{Phone-Number-ID}/messages`. */
  responseErrors(method: string, path: string, status: number, body: unknown): string[] {
    const operation = this.spec.paths[path]?.[method.toLowerCase()];
    if (!operation) {
      throw new Error(`Meta's OpenAPI has no ${method} ${path}`);
    }
    const response = operation.responses[String(status)] ?? operation.responses.default;
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) {
      throw new Error(`Meta's OpenAPI has no JSON ${status} response for ${method} ${path}`);
    }
    return this.errorsOf(`${method} ${path} ${status}`, schema, body);
  }

  /** Errors (empty when valid) of `body` as the JSON request body of `method path`. */
  requestErrors(method: string, path: string, body: unknown): string[] {
    const schema = this.spec.paths[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;
    if (!schema) {
      throw new Error(`Meta's OpenAPI has no JSON request body for ${method} ${path}`);
    }
    return this.errorsOf(`request ${method} ${path}`, schema, body);
  }

  /** Errors of a Graph error body against Meta's `GraphAPIError` schema. */
  graphErrorErrors(body: unknown): string[] {
    return this.errorsOf('GraphAPIError', { $ref: '#/components/schemas/GraphAPIError' }, body);
  }

  /**
   * Errors of a webhook body against the request schema of Meta's `POST /whatsapp/webhooks`. The
   * spec (v23.0, 2025) predates the 2026 business-scoped user id fields (reference §4.1), so
   * exactly those are set aside before validating; everything else must match.
   */
  webhookErrors(body: unknown): string[] {
    const schema = this.spec.paths['/whatsapp/webhooks'].post.requestBody.content['application/json'].schema;
    return this.errorsOf('webhook', schema, withoutBsuidFields(body));
  }

  private errorsOf(key: string, schema: Json, body: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(rebase(schema));
      this.compiled.set(key, validate);
    }
    return validate(body)
      ? []
      : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
  }
}

const BSUID_FIELDS = new Set([
  'user_id',
  'parent_user_id',
  'from_user_id',
  'from_parent_user_id',
  'recipient_user_id',
  'recipient_parent_user_id',
  'username',
]);

function withoutBsuidFields(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => withoutBsuidFields(item));
  }
  if (!value || typeof value !== 'object') {
    return value;
  }
  const entries = Object.entries(value as Json)
    .filter(([name]) => !BSUID_FIELDS.has(name))
    // 2026 status webhooks carry a contacts block the v23.0 status schema does not know.
    .filter(([name]) => !(name === 'contacts' && key === 'value' && 'statuses' in (value as Json)))
    .map(([name, item]) => [name, withoutBsuidFields(item, name)]);
  return Object.fromEntries(entries);
}

/**
 * Meta's file merges several specs; when names collided the inbound-webhook copies were renamed
 * (`TextMessage_2`, `ImageMessage_1`, `BaseMessageProperties_1`…) but the references inside the
 * inbound section still name the outbound originals, so no real inbound payload could validate.
 * Within that section, each reference is pointed at the renamed inbound schema.
 */
function repairInboundMessageRefs(schemas: Json): void {
  const section = [
    'IncomingMessage',
    'BaseMessageProperties_1',
    'TextMessage_2',
    'ReactionMessage_1',
    'AudioMessage_1',
    'DocumentMessage_1',
    'ImageMessage_1',
    'StickerMessage_1',
    'VideoMessage_1',
    'LocationMessage_1',
    'ContactSharingMessage',
    'ContactObject_1',
    'UnsupportedMessage',
    'ButtonMessage',
    'InteractiveMessageReply',
    'OrderMessage',
  ];
  const renamed = new Map(
    section.filter((name) => /_\d+$/.test(name)).map((name) => [name.replace(/_\d+$/, ''), name]),
  );
  for (const name of section) {
    schemas[name] = JSON.parse(
      JSON.stringify(schemas[name]).replace(/"#\/components\/schemas\/([A-Za-z]+)"/g, (ref, target: string) =>
        renamed.has(target) ? `"#/components/schemas/${renamed.get(target)}"` : ref,
      ),
    );
  }
}

/**
 * Meta writes `allOf: [Base, { properties, additionalProperties: false }]`, meaning "no fields beyond
 * these and Base's". Under JSON Schema an inner `additionalProperties` cannot see Base's fields, so
 * every real message would fail; `unevaluatedProperties: false` on the allOf says what Meta means.
 */
function closeAllOfAtTheTop(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeAllOfAtTheTop);
    return;
  }
  if (!node || typeof node !== 'object') {
    return;
  }
  const schema = node as Json;
  if (Array.isArray(schema.allOf)) {
    for (const member of schema.allOf as Json[]) {
      if (member.additionalProperties === false) {
        delete member.additionalProperties;
        schema.unevaluatedProperties = false;
      }
    }
  }
  Object.values(schema).forEach(closeAllOfAtTheTop);
}

/** Points local `#/components/...` references at the registered `meta` document. */
function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"meta#/components/'));
}

/**
 * Meta's rules for a send request (reference §1.2): the envelope, each type's object and its limits.
 * Shared by the sandbox (which answers Meta's error) and the service (which refuses before queueing).
 */

/** A broken rule, with the Meta code a send would fail with (100, 131008 or 131009). */
export class MessageRuleError extends Error {
  constructor(
    readonly code: 100 | 131008 | 131009,
    message: string,
  ) {
    super(message);
  }

  /**
   * The offending field as a dotted path in our camelCase API (`text.body`, `reaction.messageId`,
   * `interactive.action.buttons.0.reply.title`), from the message.
   */
  get field(): string {
    const path =
      /(?:Param|parameter) ([a-z][a-z0-9_]*(?:\['[a-z0-9_]+'\]|\[\d+\])*)/i.exec(this.message)?.[1] ?? 'body';
    return path
      .replace(/\['([a-z0-9_]+)'\]/gi, '.$1')
      .replace(/\[(\d+)\]/g, '.$1')
      .split('.')
      .map(camelCaseKey)
      .join('.');
  }
}

/**
 * Words of Meta's keys that carry digits yet are one word (`sha256` of a media object). Elsewhere,
 * digits after a letter are a word of their own: Meta's `amount_1000` is our `amount1000`.
 */
const DIGIT_WORDS = new Set(['sha256']);

/** A key of Meta's snake_case objects in our camelCase API: `display_text` → `displayText`, `amount_1000` → `amount1000`. */
export function camelCaseKey(key: string): string {
  if (!key.includes('_')) {
    return key;
  }
  return key.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * A key of our camelCase API as Meta's snake_case one, the inverse of `camelCaseKey`: `displayText` →
 * `display_text`, `amount1000` → `amount_1000`, `sha256` stays. A key already in snake_case stays as it is.
 */
export function snakeCaseKey(key: string): string {
  if (!/\d/.test(key)) {
    return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  }
  return key
    .replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
    .split('_')
    .map((word) => (DIGIT_WORDS.has(word) ? word : word.replace(/([a-z])(?=\d)/g, '$1_')))
    .join('_');
}

const GraphErrors = {
  invalidParameter: (message: string) => new MessageRuleError(100, message),
  missingParameter: (message: string) => new MessageRuleError(131008, message),
  invalidParameterValue: (message: string) => new MessageRuleError(131009, message),
};

export const SENDABLE_TYPES = [
  'text',
  'image',
  'audio',
  'video',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
  'reaction',
] as const;
export type SendableType = (typeof SENDABLE_TYPES)[number];

type Json = Record<string, unknown>;

/** A send request that passed the envelope and per-type checks of §1.2. */
export interface ValidatedMessage {
  type: SendableType;
  /** Digits of `to`, when the request named a phone. `to` wins over `recipient`, as at Meta. */
  to?: string;
  /** The BSUID from `recipient`, when no `to` was given. */
  recipient?: string;
  content: Json;
  contextMessageId?: string;
  bizOpaqueCallbackData?: string;
}

const BSUID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function requireObject(value: unknown, path: string): Json {
  if (value === undefined) {
    throw GraphErrors.missingParameter(`The parameter ${path} is required.`);
  }
  if (!isObject(value)) {
    throw GraphErrors.invalidParameter(`Param ${path} must be a JSON object.`);
  }
  return value;
}

function requireString(value: unknown, path: string, max?: number): string {
  if (value === undefined || value === null || value === '') {
    throw GraphErrors.missingParameter(`The parameter ${path} is required.`);
  }
  if (typeof value !== 'string') {
    throw GraphErrors.invalidParameter(`Param ${path} must be a string.`);
  }
  return checkLength(value, path, max);
}

function optionalString(value: unknown, path: string, max: number): void {
  if (value === undefined) {
    return;
  }
  if (typeof value !== 'string') {
    throw GraphErrors.invalidParameter(`Param ${path} must be a string.`);
  }
  checkLength(value, path, max);
}

function checkLength(value: string, path: string, max?: number): string {
  if (max !== undefined && [...value].length > max) {
    throw GraphErrors.invalidParameter(`Param ${path} must be at most ${max} characters long.`);
  }
  return value;
}

function requireArray(value: unknown, path: string, min: number, max: number): unknown[] {
  if (value === undefined) {
    throw GraphErrors.missingParameter(`The parameter ${path} is required.`);
  }
  if (!Array.isArray(value)) {
    throw GraphErrors.invalidParameter(`Param ${path} must be an array.`);
  }
  if (value.length < min || value.length > max) {
    throw GraphErrors.invalidParameter(`Param ${path} must have between ${min} and ${max} elements.`);
  }
  return value;
}

/** An absolute http:// or https:// URL (Meta fetches media and opens buttons only over HTTP(S)). */
function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) {
    return false;
  }
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

function requireHttpUrl(value: unknown, path: string): string {
  const url = requireString(value, path);
  if (!isHttpUrl(url)) {
    throw GraphErrors.invalidParameterValue(`Param ${path} must be an http(s) URL.`);
  }
  return url;
}

/** Where media comes from: exactly one of `id` (uploaded) and `link` (an http(s) URL). */
function checkMediaSource(media: Json, path: string): void {
  const sources = ['id', 'link'].filter((key) => media[key] !== undefined);
  if (sources.length !== 1) {
    throw GraphErrors.invalidParameter(`Param ${path} must have exactly one of id or link.`);
  }
  if (media.link !== undefined) {
    requireHttpUrl(media.link, `${path}['link']`);
  }
  if (media.id !== undefined) {
    requireString(media.id, `${path}['id']`);
  }
}

function checkMedia(media: Json, path: string, caption: boolean): void {
  checkMediaSource(media, path);
  if (caption) {
    optionalString(media.caption, `${path}['caption']`, 1024);
  } else if (media.caption !== undefined) {
    throw GraphErrors.invalidParameter(`Param ${path}['caption'] is not supported for this media type.`);
  }
}

const HEADER_TYPES = ['text', 'image', 'video', 'document'];

/** A header is text (≤60) or media by id or link; a list's header is text only (§1.2). */
function checkInteractiveHeader(header: Json, kind: string): void {
  const type = requireString(header.type, "interactive['header']['type']");
  if (!HEADER_TYPES.includes(type)) {
    throw GraphErrors.invalidParameterValue(`Param interactive['header']['type'] has an unsupported value: ${type}.`);
  }
  if (kind === 'list' && type !== 'text') {
    throw GraphErrors.invalidParameterValue("Param interactive['header']['type'] must be text for a list message.");
  }
  if (type === 'text') {
    requireString(header.text, "interactive['header']['text']", 60);
  } else {
    const at = `interactive['header']['${type}']`;
    checkMediaSource(requireObject(header[type], at), at);
  }
}

function checkInteractive(interactive: Json): void {
  const kind = requireString(interactive.type, "interactive['type']");
  const body = interactive.body === undefined ? undefined : requireObject(interactive.body, "interactive['body']");
  const footer =
    interactive.footer === undefined ? undefined : requireObject(interactive.footer, "interactive['footer']");
  if (footer) {
    optionalString(footer.text, "interactive['footer']['text']", 60);
  }
  if (interactive.header !== undefined) {
    checkInteractiveHeader(requireObject(interactive.header, "interactive['header']"), kind);
  }
  const action = requireObject(interactive.action, "interactive['action']");
  switch (kind) {
    case 'button': {
      requireString(body?.text, "interactive['body']['text']", 1024);
      const buttons = requireArray(action.buttons, "interactive['action']['buttons']", 1, 3);
      const ids = new Set<string>();
      const titles = new Set<string>();
      buttons.forEach((button, index) => {
        const at = `interactive['action']['buttons'][${index}]['reply']`;
        const reply = requireObject(isObject(button) ? button.reply : undefined, at);
        ids.add(requireString(reply.id, `${at}['id']`, 256));
        titles.add(requireString(reply.title, `${at}['title']`, 20));
      });
      if (ids.size !== buttons.length || titles.size !== buttons.length) {
        throw GraphErrors.invalidParameterValue(
          "Param interactive['action']['buttons'] must have unique ids and titles.",
        );
      }
      return;
    }
    case 'list': {
      requireString(body?.text, "interactive['body']['text']", 4096);
      requireString(action.button, "interactive['action']['button']", 20);
      const sections = requireArray(action.sections, "interactive['action']['sections']", 1, 10);
      let rows = 0;
      sections.forEach((section, index) => {
        const at = `interactive['action']['sections'][${index}]`;
        const value = requireObject(section, at);
        if (sections.length > 1) {
          requireString(value.title, `${at}['title']`, 24);
        } else {
          optionalString(value.title, `${at}['title']`, 24);
        }
        const sectionRows = requireArray(value.rows, `${at}['rows']`, 1, 10);
        sectionRows.forEach((row, rowIndex) => {
          const item = requireObject(row, `${at}['rows'][${rowIndex}]`);
          requireString(item.id, `${at}['rows'][${rowIndex}]['id']`, 200);
          requireString(item.title, `${at}['rows'][${rowIndex}]['title']`, 24);
          optionalString(item.description, `${at}['rows'][${rowIndex}]['description']`, 72);
        });
        rows += sectionRows.length;
      });
      if (rows > 10) {
        throw GraphErrors.invalidParameterValue(
          "Param interactive['action']['sections'] can have at most 10 rows in total.",
        );
      }
      return;
    }
    case 'cta_url': {
      requireString(body?.text, "interactive['body']['text']", 1024);
      const parameters = requireObject(action.parameters, "interactive['action']['parameters']");
      requireString(parameters.display_text, "interactive['action']['parameters']['display_text']", 20);
      requireHttpUrl(parameters.url, "interactive['action']['parameters']['url']");
      return;
    }
    case 'flow':
    case 'location_request_message':
    case 'address_message':
    case 'request_contact_info':
      requireString(body?.text, "interactive['body']['text']", 1024);
      return;
    case 'product':
    case 'product_list':
    case 'catalog_message':
      return;
    default:
      throw GraphErrors.invalidParameterValue(`Param interactive['type'] has an unsupported value: ${kind}.`);
  }
}

/** A location's latitude and longitude: numbers within range. */
function checkCoordinates(location: Json, path: string): void {
  for (const [key, limit] of [
    ['latitude', 90],
    ['longitude', 180],
  ] as const) {
    if (location[key] === undefined || location[key] === null || Number.isNaN(Number(location[key]))) {
      throw GraphErrors.missingParameter(`The parameter ${path}['${key}'] is required and numeric.`);
    }
    if (Math.abs(Number(location[key])) > limit) {
      throw GraphErrors.invalidParameterValue(`Param ${path}['${key}'] must be between -${limit} and ${limit}.`);
    }
  }
}

const TEMPLATE_COMPONENT_TYPES = ['header', 'body', 'button'];

/** Each template parameter type, and the check of the object under its name (§1.2). */
const TEMPLATE_PARAMETERS: Record<string, (value: unknown, at: string) => void> = {
  text: (value, at) => requireString(value, at, 32_768),
  currency: (value, at) => {
    const currency = requireObject(value, at);
    requireString(currency.fallback_value, `${at}['fallback_value']`);
    requireString(currency.code, `${at}['code']`);
    if (!Number.isInteger(currency.amount_1000)) {
      throw GraphErrors.missingParameter(`The parameter ${at}['amount_1000'] is required and an integer.`);
    }
  },
  date_time: (value, at) => requireString(requireObject(value, at).fallback_value, `${at}['fallback_value']`),
  image: (value, at) => checkMediaSource(requireObject(value, at), at),
  video: (value, at) => checkMediaSource(requireObject(value, at), at),
  document: (value, at) => checkMediaSource(requireObject(value, at), at),
  location: (value, at) => checkCoordinates(requireObject(value, at), at),
  payload: (value, at) => requireString(value, at, 1000),
  coupon_code: (value, at) => requireString(value, at, 20),
  action: (value, at) => requireObject(value, at),
  product: (value, at) => requireObject(value, at),
  limited_time_offer: (value, at) => requireObject(value, at),
  tap_target_configuration: (value, at) => requireObject(value, at),
};

/**
 * A template's components: each a header, body or button (a button with its `sub_type` and its
 * `index`, 0 to 9), its parameters each of a type Meta knows, with the object under the type's name.
 */
function checkTemplateComponents(components: unknown[]): void {
  components.forEach((item, index) => {
    const at = `template['components'][${index}]`;
    const component = requireObject(item, at);
    const type = requireString(component.type, `${at}['type']`).toLowerCase();
    if (!TEMPLATE_COMPONENT_TYPES.includes(type)) {
      throw GraphErrors.invalidParameterValue(
        `Param ${at}['type'] must be one of ${TEMPLATE_COMPONENT_TYPES.join(', ')}.`,
      );
    }
    if (type === 'button') {
      requireString(component.sub_type, `${at}['sub_type']`);
      if (!/^\d$/.test(String(component.index ?? ''))) {
        throw GraphErrors.invalidParameter(`Param ${at}['index'] must be the button's position, 0 to 9.`);
      }
    }
    if (component.parameters === undefined) {
      return;
    }
    requireArray(component.parameters, `${at}['parameters']`, 0, 100).forEach((value, position) => {
      const parameterAt = `${at}['parameters'][${position}]`;
      const parameter = requireObject(value, parameterAt);
      const kind = requireString(parameter.type, `${parameterAt}['type']`);
      const check = Object.hasOwn(TEMPLATE_PARAMETERS, kind) ? TEMPLATE_PARAMETERS[kind] : undefined;
      if (!check) {
        throw GraphErrors.invalidParameterValue(
          `Param ${parameterAt}['type'] must be one of ${Object.keys(TEMPLATE_PARAMETERS).join(', ')}.`,
        );
      }
      check(parameter[kind], `${parameterAt}['${kind}']`);
    });
  });
}

/** The longest one-time code an authentication template takes (§1.2). */
export const MAX_AUTHENTICATION_CODE_LENGTH = 15;

/**
 * Meta's limit on sending an authentication (OTP) template, which only the template's category tells
 * apart: the code, the text parameter of its body and of its button, has at most 15 characters.
 * `template` is the send's template object, in Meta's shape.
 */
export function checkAuthenticationCode(template: Json): void {
  const components = Array.isArray(template.components) ? template.components : [];
  components.forEach((component, index) => {
    const type = isObject(component) && typeof component.type === 'string' ? component.type.toLowerCase() : '';
    if ((type !== 'body' && type !== 'button') || !Array.isArray((component as Json).parameters)) {
      return;
    }
    ((component as Json).parameters as unknown[]).forEach((parameter, position) => {
      if (isObject(parameter) && typeof parameter.text === 'string') {
        checkLength(
          parameter.text,
          `template['components'][${index}]['parameters'][${position}]['text']`,
          MAX_AUTHENTICATION_CODE_LENGTH,
        );
      }
    });
  });
}

function checkContent(type: SendableType, content: Json): void {
  switch (type) {
    case 'text':
      requireString(content.body, "text['body']", 4096);
      return;
    case 'image':
    case 'video':
    case 'document':
      checkMedia(content, type, true);
      if (type === 'document') {
        optionalString(content.filename, "document['filename']", 240);
      }
      return;
    case 'audio':
    case 'sticker':
      checkMedia(content, type, false);
      return;
    case 'location':
      checkCoordinates(content, 'location');
      return;
    case 'contacts':
      return;
    case 'interactive':
      checkInteractive(content);
      return;
    case 'template':
      requireString(content.name, "template['name']", 512);
      requireString(requireObject(content.language, "template['language']").code, "template['language']['code']");
      if (content.components !== undefined) {
        checkTemplateComponents(requireArray(content.components, "template['components']", 0, 20));
      }
      return;
    case 'reaction':
      requireString(content.message_id, "reaction['message_id']");
      if (typeof content.emoji !== 'string') {
        throw GraphErrors.missingParameter("The parameter reaction['emoji'] is required.");
      }
      return;
  }
}

export function validateMessage(body: Json): ValidatedMessage {
  if (body.messaging_product !== 'whatsapp') {
    throw GraphErrors.invalidParameter("Param messaging_product must be 'whatsapp'.");
  }
  const to = typeof body.to === 'string' && body.to.trim() !== '' ? body.to.replace(/[\s+\-()]/g, '') : undefined;
  const recipient = typeof body.recipient === 'string' && body.recipient !== '' ? body.recipient : undefined;
  if (to === undefined && recipient === undefined) {
    throw GraphErrors.missingParameter('The parameter to is required.');
  }
  if (to !== undefined && !/^\d{6,16}$/.test(to)) {
    throw GraphErrors.invalidParameter(`Param to is not a valid WhatsApp phone number: ${String(body.to)}.`);
  }
  if (to === undefined && recipient !== undefined && !BSUID.test(recipient)) {
    throw GraphErrors.invalidParameter('Param recipient is not a valid business-scoped user id.');
  }
  const type = (body.type ?? 'text') as SendableType;
  if (!SENDABLE_TYPES.includes(type)) {
    throw GraphErrors.invalidParameterValue(`Param type has an unsupported value: ${String(body.type)}.`);
  }
  let content: Json;
  if (type === 'contacts') {
    const cards = requireArray(body.contacts, 'contacts', 1, 5);
    cards.forEach((card, index) =>
      requireString(
        requireObject(isObject(card) ? card.name : undefined, `contacts[${index}]['name']`).formatted_name,
        `contacts[${index}]['name']['formatted_name']`,
      ),
    );
    content = { cards };
  } else {
    content = requireObject(body[type], type);
  }
  checkContent(type, content);
  const context = body.context === undefined ? undefined : requireObject(body.context, 'context');
  if (context && type === 'reaction') {
    throw GraphErrors.invalidParameter('Param context is not allowed: a reaction cannot be a reply.');
  }
  optionalString(body.biz_opaque_callback_data, 'biz_opaque_callback_data', 512);
  return {
    type,
    to,
    recipient: to === undefined ? recipient : undefined,
    content,
    contextMessageId: context ? requireString(context.message_id, "context['message_id']") : undefined,
    bizOpaqueCallbackData: body.biz_opaque_callback_data as string | undefined,
  };
}

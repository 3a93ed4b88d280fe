import { checkAuthenticationCode, MessageRuleError, validateMessage } from '@libs/meta-graph';
import { columnsOf, entityFromRow } from '../../../database/entity-from-row';
import { preparedQuery } from '../../../database/prepared-query';
import { DataSource } from 'typeorm';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { assessPhoneHealth } from '../../phone-numbers/phone-health';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { renderTemplate, SendComponent } from '../../templates/render-template';
import { Template } from '../../templates/template.entity';
import { snakeCaseKeys } from '../message-content';
import { metaMessageBody } from './meta-message-body';

/** The phone must be able to send this kind of message now (design §5), else `PHONE_NOT_READY`. */
export function assertPhoneCanSend(phone: PhoneNumber, wabaConnected: boolean, isTemplate: boolean): void {
  const health = assessPhoneHealth(phone, wabaConnected);
  if (!health.capabilities[isTemplate ? 'canSendTemplates' : 'canSendMessages']) {
    throw new AppException(ErrorCode.PhoneNotReady, 'This phone number cannot send this message now', {
      reasons: health.reasons,
    });
  }
}

/** Meta's body for the message, refused with `VALIDATION_ERROR` when Meta would refuse it. */
export function checkedMetaBody(
  input: Parameters<typeof metaMessageBody>[0],
  fieldPrefix = '',
): Record<string, unknown> {
  const body = metaMessageBody(input);
  underMetaRules(() => validateMessage(body), fieldPrefix);
  return body;
}

/** Runs a check of Meta's rules; a broken rule is `VALIDATION_ERROR` naming our API's field. */
function underMetaRules(check: () => void, fieldPrefix = ''): void {
  try {
    check();
  } catch (error) {
    if (error instanceof MessageRuleError) {
      throw AppException.validation(`Invalid request: ${error.message}`, [
        { field: `${fieldPrefix}${apiField(error.field)}`, message: error.message },
      ]);
    }
    throw error;
  }
}

/** Meta's envelope fields under our API's names: the quoted message is `replyTo`. */
function apiField(metaField: string): string {
  return metaField === 'context' || metaField.startsWith('context.') ? 'replyTo' : metaField;
}

/** The stored template a send names, which must be APPROVED, else `TEMPLATE_NOT_FOUND`. */
export async function approvedTemplate(
  dataSource: DataSource,
  wabaId: string,
  template: Record<string, unknown>,
): Promise<Template> {
  const wanted = templateNamed(wabaId, template);
  return assertApproved((await storedTemplates(dataSource, [wanted])).get(templateKey(wanted)), wanted);
}

/** Which stored template a send names: its WABA's template of that name and language. */
export interface TemplateName {
  wabaId: string;
  name: string;
  language: string;
}

export function templateNamed(wabaId: string, template: Record<string, unknown>): TemplateName {
  return {
    wabaId,
    name: String(template.name),
    language: String((template.language as { code?: string } | undefined)?.code),
  };
}

export const templateKey = (wanted: TemplateName) => `${wanted.wabaId}/${wanted.name}/${wanted.language}`;

/** The stored templates of these names, by `templateKey`, whatever their status, in one read. */
export async function storedTemplates(dataSource: DataSource, wanted: TemplateName[]): Promise<Map<string, Template>> {
  if (wanted.length === 0) {
    return new Map();
  }
  const rows = await preparedQuery<Record<string, unknown>>(
    dataSource.manager,
    'stored-templates',
    `SELECT ${columnsOf(dataSource.manager, Template, 't')}
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS w (waba_id, name, language)
       JOIN templates t ON t.waba_id = w.waba_id AND t.name = w.name AND t.language = w.language`,
    [wanted.map((w) => w.wabaId), wanted.map((w) => w.name), wanted.map((w) => w.language)],
  );
  const templates = rows.map((row) => entityFromRow(dataSource.manager, Template, row));
  return new Map(templates.map((template) => [templateKey(template), template]));
}

/** `TEMPLATE_NOT_FOUND` unless the template is stored and APPROVED. */
export function assertApproved(stored: Template | undefined, wanted: TemplateName): Template {
  if (!stored || stored.status !== 'APPROVED') {
    throw new AppException(
      ErrorCode.TemplateNotFound,
      stored
        ? `Template ${wanted.name} (${wanted.language}) is ${stored.status}, not APPROVED`
        : `No template ${wanted.name} in ${wanted.language} on this WABA (sync templates if it was created elsewhere)`,
    );
  }
  return stored;
}

/**
 * `TEMPLATE_PARAMETER_MISMATCH` unless the components give the template exactly its parameters;
 * `VALIDATION_ERROR` for an authentication template's code over Meta's limit (its category tells).
 */
export function assertTemplateParameters(template: Template, components: unknown): void {
  if (template.category === 'AUTHENTICATION') {
    underMetaRules(() => checkAuthenticationCode({ components: snakeCaseKeys(components) }));
  }
  const { problems } = renderTemplate(template, (components as SendComponent[] | undefined) ?? []);
  if (problems.length > 0) {
    throw new AppException(
      ErrorCode.TemplateParameterMismatch,
      `The parameters do not fit template ${template.name} (${template.language})`,
      problems,
    );
  }
}

/** A customer's phone as Meta's wa_id: digits only. */
export function waIdOf(to: string): string {
  return to.replace(/[\s+\-()]/g, '');
}

/** NUL, or half of a UTF-16 surrogate pair: text PostgreSQL cannot store in jsonb. */
// eslint-disable-next-line no-control-regex -- NUL is the character looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** `VALIDATION_ERROR` naming the first string in `value` that holds text no message can carry. */
export function assertStorableText(value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) {
      throw AppException.validation('Invalid request: text holds a NUL character or half an emoji', [
        { field, message: 'invalid characters (NUL or a lone UTF-16 surrogate)' },
      ]);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => assertStorableText(item, `${field}[${index}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const itemField = field ? `${field}.${key}` : key;
      assertStorableText(key, itemField);
      assertStorableText(item, itemField);
    }
  }
}

import { MessageRuleError, validateMessage } from '@libs/meta-graph';
import { DataSource } from 'typeorm';
import { AppException } from '../../../common/errors/app.exception';
import { ErrorCode } from '../../../common/errors/error-code';
import { assessPhoneHealth } from '../../phone-numbers/phone-health';
import { PhoneNumber } from '../../phone-numbers/phone-number.entity';
import { renderTemplate, SendComponent } from '../../templates/render-template';
import { Template } from '../../templates/template.entity';
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
  try {
    validateMessage(body);
  } catch (error) {
    if (error instanceof MessageRuleError) {
      throw AppException.validation(`Invalid request: ${error.message}`, [
        { field: `${fieldPrefix}${apiField(error.field)}`, message: error.message },
      ]);
    }
    throw error;
  }
  return body;
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
  const name = String(template.name);
  const language = String((template.language as { code?: string } | undefined)?.code);
  const stored = await dataSource.getRepository(Template).findOneBy({ wabaId, name, language });
  if (!stored || stored.status !== 'APPROVED') {
    throw new AppException(
      ErrorCode.TemplateNotFound,
      stored
        ? `Template ${name} (${language}) is ${stored.status}, not APPROVED`
        : `No template ${name} in ${language} on this WABA (sync templates if it was created elsewhere)`,
    );
  }
  return stored;
}

/** `TEMPLATE_PARAMETER_MISMATCH` unless the components give the template exactly its parameters. */
export function assertTemplateParameters(template: Template, components: unknown): void {
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

import type { SandboxContext } from '../context';
import { GraphError, GraphErrors } from '../graph/graph-error';
import { placeholdersOf } from '../messages/template-check';
import type { TemplateComponent, TemplateRecord, TemplateStatus } from '../state/records';
import { templateStatusPayload } from '../webhooks/payloads';

type Json = Record<string, unknown>;

const CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];
const MAX_TEMPLATES_PER_WABA = 250;
/** A template whose name starts with this is rejected at review, so rejection can be tested. */
export const REJECTED_TEMPLATE_PREFIX = 'reject_';

const formatError = (subcode: number, details: string) =>
  new GraphError(100, 'Invalid parameter', details, { subcode });

function normalizeComponents(value: unknown): TemplateComponent[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw GraphErrors.missingParameter('The parameter components is required.');
  }
  const components = value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || typeof (item as Json).type !== 'string') {
      throw GraphErrors.invalidParameter(`components[${index}] needs a type.`);
    }
    const component = { ...(item as Json) } as TemplateComponent;
    component.type = component.type.toUpperCase();
    if (typeof component.format === 'string') {
      component.format = component.format.toUpperCase();
    }
    if (Array.isArray(component.buttons)) {
      component.buttons = component.buttons.map((button) => ({ ...button, type: String(button.type).toUpperCase() }));
    }
    return component;
  });
  checkComponents(components);
  return components;
}

function checkText(component: TemplateComponent, max: number, subcode: number, maxParams = Infinity): void {
  const text = component.text ?? '';
  if ([...text].length > max) {
    throw new GraphError(100, 'Invalid parameter', `${component.type} text is longer than ${max} characters.`, {
      subcode: 2388040,
    });
  }
  const params = placeholdersOf(text);
  if (params.length > maxParams) {
    throw formatError(subcode, `${component.type} may have at most ${maxParams} variable(s).`);
  }
  if (params.length > 0 && (/^\s*\{\{[^}]+\}\}/.test(text) || /\{\{[^}]+\}\}\s*$/.test(text))) {
    throw formatError(2388299, `${component.type} text may not start or end with a variable.`);
  }
  if (params.length > 0 && component.example === undefined) {
    throw formatError(subcode, `${component.type} has variables but no example values.`);
  }
}

function checkComponents(components: TemplateComponent[]): void {
  const count = (type: string) => components.filter((component) => component.type === type).length;
  if (count('BODY') !== 1) {
    throw formatError(2388072, 'A template has exactly one BODY component.');
  }
  if (count('HEADER') > 1) {
    throw formatError(2388047, 'A template has at most one HEADER component.');
  }
  for (const component of components) {
    switch (component.type) {
      case 'HEADER':
        if ((component.format ?? 'TEXT') === 'TEXT') {
          checkText(component, 60, 2388047, 1);
        }
        break;
      case 'BODY':
        if (component.text !== undefined || component.add_security_recommendation === undefined) {
          if (!component.text) {
            throw formatError(2388072, 'BODY text is required.');
          }
          checkText(component, 1024, 2388072);
        }
        break;
      case 'FOOTER':
        if (component.text !== undefined) {
          checkText(component, 60, 2388073, 0);
        }
        break;
      case 'BUTTONS': {
        const buttons = component.buttons ?? [];
        if (buttons.length === 0 || buttons.length > 10) {
          throw formatError(2388072, 'BUTTONS has 1 to 10 buttons.');
        }
        for (const button of buttons) {
          if (typeof button.text === 'string' && [...button.text].length > 25) {
            throw new GraphError(100, 'Invalid parameter', 'A button label is at most 25 characters.', {
              subcode: 2388040,
            });
          }
        }
        if (buttons.filter((button) => button.type === 'URL').length > 2) {
          throw formatError(2388072, 'A template has at most 2 URL buttons.');
        }
        break;
      }
      default:
        throw GraphErrors.invalidParameter(`Unknown component type ${component.type}.`);
    }
  }
}

/**
 * Meta writes an authentication template's body itself (reference §6.2): the code as its one
 * variable, then the security advice when asked for. Sends give the code as the body parameter.
 */
function withAuthenticationBody(category: string, components: TemplateComponent[]): TemplateComponent[] {
  if (category !== 'AUTHENTICATION') {
    return components;
  }
  const advice = ' For your security, do not share this code.';
  return components.map((component) =>
    component.type === 'BODY' && component.text === undefined
      ? {
          ...component,
          text: `{{1}} is your verification code.${component.add_security_recommendation ? advice : ''}`,
        }
      : component,
  );
}

/** `POST /{waba}/message_templates`: stored PENDING, reviewed after the configured delay. */
export function createTemplate(context: SandboxContext, wabaId: string, body: Json): Json {
  const name = body.name;
  if (typeof name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(name)) {
    throw GraphErrors.invalidParameter('Param name must be lowercase letters, digits and underscores, at most 512.');
  }
  if (typeof body.language !== 'string' || body.language === '') {
    throw GraphErrors.missingParameter('The parameter language is required.');
  }
  const category = String(body.category ?? '').toUpperCase();
  if (!CATEGORIES.includes(category)) {
    throw GraphErrors.invalidParameter(`Param category must be one of ${CATEGORIES.join(', ')}.`);
  }
  const components = withAuthenticationBody(category, normalizeComponents(body.components));
  const { state } = context;
  if (state.findTemplate(wabaId, name, body.language)) {
    throw formatError(2388024, `Content in ${body.language} already exists for template ${name}.`);
  }
  if (state.templatesOf(wabaId).length >= MAX_TEMPLATES_PER_WABA) {
    throw formatError(2388019, 'The WABA has reached its message template limit.');
  }
  const template = state.addTemplate(wabaId, {
    name,
    language: body.language,
    category,
    status: 'PENDING',
    components,
    parameterFormat: String(body.parameter_format ?? 'positional').toUpperCase() === 'NAMED' ? 'NAMED' : 'POSITIONAL',
  });
  scheduleReview(context, template);
  return { id: template.id, status: template.status, category: template.category };
}

/** `POST /{template}`: replaces the components (and category) and sends the template back to review. */
export function editTemplate(context: SandboxContext, template: TemplateRecord, body: Json): Json {
  if (!['APPROVED', 'REJECTED', 'PAUSED'].includes(template.status)) {
    throw formatError(2388039, `A ${template.status} template cannot be edited.`);
  }
  if (body.category !== undefined) {
    const category = String(body.category).toUpperCase();
    if (template.status === 'APPROVED' && category !== template.category) {
      throw GraphErrors.invalidParameter('The category of an approved template cannot change.');
    }
    if (!CATEGORIES.includes(category)) {
      throw GraphErrors.invalidParameter('Param category is not valid.');
    }
    template.category = category;
  }
  if (body.components !== undefined) {
    template.components = withAuthenticationBody(template.category, normalizeComponents(body.components));
  }
  template.status = 'PENDING';
  scheduleReview(context, template);
  return { success: true };
}

/** `DELETE /{waba}/message_templates?name=[&hsm_id=]`: every language of the name, or one template. */
export function deleteTemplates(context: SandboxContext, wabaId: string, query: URLSearchParams): Json {
  const name = query.get('name');
  if (!name) {
    throw GraphErrors.missingParameter('The parameter name is required.');
  }
  const hsmId = query.get('hsm_id');
  const targets = context.state
    .templatesOf(wabaId)
    .filter((template) => template.name === name && (!hsmId || template.id === hsmId));
  if (targets.length === 0) {
    throw formatError(2593002, `Message template ${name} was not found.`);
  }
  if (targets.some((template) => template.status === 'DISABLED')) {
    throw formatError(2388039, 'A disabled template cannot be deleted.');
  }
  for (const template of targets) {
    context.state.templates.delete(template.id);
  }
  return { success: true };
}

/** Moves a template to a status and tells the WABA's callback, as Meta's reviewers and quality checks do. */
export function setTemplateStatus(
  context: SandboxContext,
  template: TemplateRecord,
  status: TemplateStatus,
  reason: string | null,
) {
  template.status = status;
  template.rejectedReason = status === 'REJECTED' ? (reason ?? 'INVALID_FORMAT') : 'NONE';
  return context.webhooks.deliver(
    context.callbackFor(template.wabaId),
    templateStatusPayload(template, status, reason),
  );
}

function scheduleReview(context: SandboxContext, template: TemplateRecord): void {
  context.later(context.templateReviewDelayMs, () => {
    if (context.state.templates.get(template.id) !== template || template.status !== 'PENDING') {
      return;
    }
    const rejected = template.name.startsWith(REJECTED_TEMPLATE_PREFIX);
    return setTemplateStatus(context, template, rejected ? 'REJECTED' : 'APPROVED', rejected ? 'INVALID_FORMAT' : null);
  });
}

import { GraphErrors } from '../graph/graph-error';
import type { TemplateComponent, TemplateRecord } from '../state/records';
import type { SandboxState } from '../state/sandbox-state';

type Json = Record<string, unknown>;

/** `{{1}}` or `{{name}}` placeholders of a template text, in order of appearance. */
export function placeholdersOf(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/\{\{\s*([a-z0-9_]+)\s*\}\}/g)].map((match) => match[1]);
}

interface Slot {
  /** How the send request names this component: `header`, `body` or `button:<index>`. */
  key: string;
  placeholders: string[];
}

function slotsOf(components: TemplateComponent[]): Slot[] {
  const slots: Slot[] = [];
  for (const component of components) {
    if (component.type === 'HEADER' && (component.format ?? 'TEXT') === 'TEXT') {
      slots.push({ key: 'header', placeholders: placeholdersOf(component.text) });
    } else if (component.type === 'HEADER') {
      slots.push({ key: 'header', placeholders: ['media'] });
    } else if (component.type === 'BODY') {
      slots.push({ key: 'body', placeholders: placeholdersOf(component.text) });
    } else if (component.type === 'BUTTONS') {
      (component.buttons ?? []).forEach((button, index) => {
        const url = typeof button.url === 'string' ? button.url : undefined;
        const variable = placeholdersOf(url).length > 0 || button.type === 'OTP' || button.type === 'COPY_CODE';
        if (variable) {
          slots.push({ key: `button:${index}`, placeholders: ['1'] });
        }
      });
    }
  }
  return slots.filter((slot) => slot.placeholders.length > 0);
}

function keyOf(component: Json): string {
  const type = String(component.type ?? '').toLowerCase();
  return type === 'button' ? `button:${String(component.index ?? '0')}` : type;
}

/** Meta's checks on a template send: it exists in that language, is sendable, and gets the right parameters. */
export function checkTemplateSend(state: SandboxState, wabaId: string, content: Json): TemplateRecord {
  const name = content.name as string;
  const language = (content.language as Json).code as string;
  const template = state.findTemplate(wabaId, name, language);
  if (!template) {
    throw GraphErrors.templateMissing(name, language);
  }
  if (template.status === 'PAUSED') {
    throw GraphErrors.templatePaused(name);
  }
  if (template.status === 'DISABLED') {
    throw GraphErrors.templateDisabled(name);
  }
  if (template.status !== 'APPROVED') {
    throw GraphErrors.templateMissing(name, language);
  }

  const given = new Map<string, Json[]>();
  for (const component of (content.components as Json[] | undefined) ?? []) {
    given.set(keyOf(component), Array.isArray(component.parameters) ? (component.parameters as Json[]) : []);
  }
  for (const slot of slotsOf(template.components)) {
    const parameters = given.get(slot.key) ?? [];
    given.delete(slot.key);
    if (parameters.length !== slot.placeholders.length) {
      throw GraphErrors.templateParameterCount(
        `${slot.key} component of template ${name} expects ${slot.placeholders.length} parameter(s), received ${parameters.length}.`,
      );
    }
    if (template.parameterFormat === 'NAMED' && slot.key !== 'header' && !slot.key.startsWith('button')) {
      const names = new Set(parameters.map((parameter) => parameter.parameter_name));
      const missing = slot.placeholders.filter((placeholder) => !names.has(placeholder));
      if (missing.length > 0) {
        throw GraphErrors.templateParameterCount(`Named parameter(s) ${missing.join(', ')} missing in ${slot.key}.`);
      }
    }
  }
  for (const [key, parameters] of given) {
    if (parameters.length > 0) {
      throw GraphErrors.templateParameterCount(
        `Template ${name} has no parameters in ${key}, received ${parameters.length}.`,
      );
    }
  }
  return template;
}

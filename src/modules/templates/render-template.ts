import type { FieldError } from '../../common/errors/app.exception';
import { variablesOf } from './template-rules';

/** Send-time parameters in Meta's shape, camelCase: `{ type: 'body', parameters: [{ type: 'text', text }] }`. */
export interface SendComponent {
  type: string;
  subType?: string;
  index?: string | number;
  parameters?: SendParameter[];
}

export interface SendParameter {
  type: string;
  text?: string;
  parameterName?: string;
  image?: { id?: string; link?: string };
  video?: { id?: string; link?: string };
  document?: { id?: string; link?: string; filename?: string };
  couponCode?: string;
  payload?: string;
  currency?: { fallbackValue: string };
  dateTime?: { fallbackValue: string };
}

export interface RenderedTemplate {
  header: { format: string; text: string | null } | null;
  body: string;
  footer: string | null;
  buttons: { type: string; text: string; url?: string; phoneNumber?: string }[];
}

interface StoredComponent {
  type: string;
  format?: string;
  text?: string;
  add_security_recommendation?: boolean;
  buttons?: { type: string; text?: string; url?: string; phone_number?: string }[];
}

const textOf = (parameter: SendParameter) =>
  parameter.text ??
  parameter.currency?.fallbackValue ??
  parameter.dateTime?.fallbackValue ??
  parameter.couponCode ??
  '';

function fill(text: string, parameters: SendParameter[], named: boolean): string {
  let position = 0;
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_match, name: string) => {
    const parameter = named ? parameters.find((candidate) => candidate.parameterName === name) : parameters[position++];
    return parameter ? textOf(parameter) : `{{${name}}}`;
  });
}

/**
 * The message a template becomes with these parameters, and every mismatch between the parameters
 * and the template (counts per component, named parameters, media header type), naming the component.
 */
export function renderTemplate(
  stored: { components: object[]; parameterFormat: string },
  given: SendComponent[],
): { rendered: RenderedTemplate; problems: FieldError[] } {
  const components = stored.components as StoredComponent[];
  const named = stored.parameterFormat === 'NAMED';
  const problems: FieldError[] = [];
  const parametersFor = (type: string, index?: number) =>
    given.find(
      (component) =>
        component.type.toLowerCase() === type && (index === undefined || Number(component.index) === index),
    )?.parameters ?? [];
  const expect = (field: string, expected: string[], parameters: SendParameter[]) => {
    if (named) {
      const names = new Set(parameters.map((parameter) => parameter.parameterName));
      const missing = expected.filter((name) => !names.has(name));
      if (missing.length > 0 || parameters.length !== expected.length) {
        problems.push({ field, message: `expects named parameters ${expected.join(', ') || '(none)'}` });
      }
    } else if (parameters.length !== expected.length) {
      problems.push({ field, message: `expects ${expected.length} parameter(s), got ${parameters.length}` });
    }
  };

  let header: RenderedTemplate['header'] = null;
  let body = '';
  let footer: string | null = null;
  const buttons: RenderedTemplate['buttons'] = [];
  for (const component of components) {
    const type = component.type.toUpperCase();
    if (type === 'HEADER') {
      const format = (component.format ?? 'TEXT').toUpperCase();
      const parameters = parametersFor('header');
      if (format === 'TEXT') {
        expect('header', variablesOf(component.text), parameters);
        header = { format, text: fill(component.text ?? '', parameters, named) };
      } else {
        const kind = format.toLowerCase();
        if (format !== 'LOCATION' && !(parameters.length === 1 && parameters[0].type === kind)) {
          problems.push({ field: 'header', message: `expects one ${kind} parameter` });
        }
        header = { format, text: null };
      }
    } else if (type === 'BODY') {
      // Only an authentication body has no text: Meta writes it, with the code as its one variable (§6.2).
      const text =
        component.text ??
        `{{1}} is your verification code.${component.add_security_recommendation ? ' For your security, do not share this code.' : ''}`;
      const parameters = parametersFor('body');
      expect('body', variablesOf(text), parameters);
      body = fill(text, parameters, named);
    } else if (type === 'FOOTER') {
      footer = component.text ?? null;
    } else if (type === 'BUTTONS') {
      (component.buttons ?? []).forEach((button, index) => {
        const kind = button.type.toUpperCase();
        const variable = variablesOf(button.url).length > 0 || kind === 'OTP' || kind === 'COPY_CODE';
        const parameters = parametersFor('button', index);
        if (variable && parameters.length !== 1) {
          problems.push({
            field: `buttons.${index}`,
            message: `the ${kind} button expects 1 parameter, got ${parameters.length}`,
          });
        }
        buttons.push({
          type: kind,
          text: button.text ?? '',
          ...(button.url && { url: parameters[0] ? fill(button.url, parameters, false) : button.url }),
          ...(button.phone_number && { phoneNumber: button.phone_number }),
        });
      });
    }
  }
  const known = new Set(['header', 'body', 'button']);
  given.forEach((component, index) => {
    if (!known.has(component.type.toLowerCase())) {
      problems.push({ field: `components.${index}.type`, message: 'type is header, body or button' });
    }
  });
  return { rendered: { header, body, footer, buttons }, problems };
}

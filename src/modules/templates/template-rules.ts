import type { FieldError } from '../../common/errors/app.exception';

/** A template as our API takes it: Meta's shape in camelCase (reference §6.2). */
export interface TemplateDraft {
  name: string;
  category: string;
  parameterFormat?: 'named' | 'positional' | 'NAMED' | 'POSITIONAL';
  components: DraftComponent[];
}

export interface DraftComponent {
  type: string;
  format?: string;
  text?: string;
  example?: {
    headerText?: string[];
    bodyText?: string[][];
    headerTextNamedParams?: { paramName: string; example: string }[];
    bodyTextNamedParams?: { paramName: string; example: string }[];
    headerHandle?: string[];
  };
  buttons?: DraftButton[];
  addSecurityRecommendation?: boolean;
  codeExpirationMinutes?: number;
}

export interface DraftButton {
  type: string;
  text?: string;
  url?: string;
  phoneNumber?: string;
  example?: string[];
  otpType?: string;
}

const NAME = /^[a-z0-9_]{1,512}$/;
const NAMED_PARAM = /^[a-z][a-z0-9_]*$/;
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const MEDIA_FORMATS = ['IMAGE', 'VIDEO', 'DOCUMENT'];
const BUTTON_LIMITS: Record<string, number> = {
  QUICK_REPLY: 10,
  URL: 2,
  PHONE_NUMBER: 1,
  COPY_CODE: 1,
  OTP: 1,
  FLOW: 1,
};

export function variablesOf(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(VARIABLE)].map((match) => match[1]);
}

/**
 * Meta's template rules, checked before Meta sees the template so mistakes come back at once and
 * name the component and field. Returns every problem found (empty when the draft is valid).
 */
export function templateProblems(draft: TemplateDraft): FieldError[] {
  const problems: FieldError[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  const named = String(draft.parameterFormat ?? 'positional').toUpperCase() === 'NAMED';
  const category = draft.category.toUpperCase();

  if (!NAME.test(draft.name)) {
    add('name', 'name is lowercase letters, digits and underscores, at most 512');
  }
  const components = draft.components.map((component) => ({ ...component, type: component.type.toUpperCase() }));
  const count = (type: string) => components.filter((component) => component.type === type).length;
  if (count('BODY') !== 1) {
    add('components', 'a template has exactly one BODY');
  }
  for (const type of ['HEADER', 'FOOTER', 'BUTTONS']) {
    if (count(type) > 1) {
      add('components', `a template has at most one ${type}`);
    }
  }

  components.forEach((component, index) => {
    const at = `components[${index}]`;
    if (category === 'AUTHENTICATION') {
      authenticationProblems(component, at, add);
      return;
    }
    switch (component.type) {
      case 'HEADER': {
        const format = (component.format ?? 'TEXT').toUpperCase();
        if (format === 'TEXT') {
          textProblems(component, at, 'HEADER', 60, 1, named, add);
        } else if (MEDIA_FORMATS.includes(format)) {
          if (!component.example?.headerHandle?.length) {
            add(`${at}.example.headerHandle`, `a ${format} header needs an example media handle`);
          }
        } else if (format === 'LOCATION') {
          if (category === 'AUTHENTICATION') {
            add(`${at}.format`, 'location headers are for utility and marketing templates');
          }
        } else {
          add(`${at}.format`, 'format is TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION');
        }
        break;
      }
      case 'BODY':
        textProblems(component, at, 'BODY', 1024, Infinity, named, add);
        break;
      case 'FOOTER':
        if (!component.text) {
          add(`${at}.text`, 'a FOOTER needs text');
        } else if ([...component.text].length > 60) {
          add(`${at}.text`, 'FOOTER text is at most 60 characters');
        } else if (variablesOf(component.text).length > 0) {
          add(`${at}.text`, 'FOOTER text cannot have variables');
        }
        break;
      case 'BUTTONS':
        buttonProblems(component.buttons ?? [], at, add);
        break;
      default:
        add(`${at}.type`, 'type is HEADER, BODY, FOOTER or BUTTONS');
    }
  });
  // Paths as the rest of the API reports them: components.1.text.
  return problems.map((problem) => ({ ...problem, field: problem.field.replace(/\[(\d+)\]/g, '.$1') }));
}

function textProblems(
  component: DraftComponent,
  at: string,
  kind: 'HEADER' | 'BODY',
  maxLength: number,
  maxVariables: number,
  named: boolean,
  add: (field: string, message: string) => void,
): void {
  const text = component.text;
  if (!text) {
    add(`${at}.text`, `a ${kind} needs text`);
    return;
  }
  if ([...text].length > maxLength) {
    add(`${at}.text`, `${kind} text is at most ${maxLength} characters`);
  }
  const variables = variablesOf(text);
  if (variables.length > maxVariables) {
    add(`${at}.text`, `${kind} text has at most ${maxVariables} variable`);
  }
  if (variables.length === 0) {
    return;
  }
  const trimmed = text.trim();
  if (/^\{\{[^{}]*\}\}/.test(trimmed) || /\{\{[^{}]*\}\}$/.test(trimmed)) {
    add(`${at}.text`, 'a variable cannot start or end the text');
  }
  if (/\}\}\s*\{\{/.test(text)) {
    add(`${at}.text`, 'variables need text between them');
  }
  if (named) {
    const bad = variables.find((variable) => !NAMED_PARAM.test(variable));
    if (bad !== undefined) {
      add(`${at}.text`, `named variable {{${bad}}} must be lowercase letters, digits and underscores`);
    }
    if (new Set(variables).size !== variables.length) {
      add(`${at}.text`, 'named variables must be unique');
    }
    const examples =
      (kind === 'HEADER' ? component.example?.headerTextNamedParams : component.example?.bodyTextNamedParams) ?? [];
    const given = new Set(examples.map((example) => example.paramName));
    const missing = variables.filter((variable) => !given.has(variable));
    if (missing.length > 0) {
      add(
        `${at}.example.${kind === 'HEADER' ? 'headerTextNamedParams' : 'bodyTextNamedParams'}`,
        `an example is required for ${missing.map((name) => `{{${name}}}`).join(', ')}`,
      );
    }
  } else {
    const expected = variables.map((_, index) => String(index + 1));
    if (variables.join(',') !== expected.join(',')) {
      add(`${at}.text`, `positional variables are {{1}}, {{2}}… in order`);
    }
    const examples = kind === 'HEADER' ? component.example?.headerText : component.example?.bodyText?.[0];
    if (!examples || examples.length !== variables.length) {
      add(
        `${at}.example.${kind === 'HEADER' ? 'headerText' : 'bodyText'}`,
        `an example is required for each of the ${variables.length} variable(s)`,
      );
    }
  }
}

function buttonProblems(buttons: DraftButton[], at: string, add: (field: string, message: string) => void): void {
  if (buttons.length === 0 || buttons.length > 10) {
    add(`${at}.buttons`, 'BUTTONS has 1 to 10 buttons');
  }
  const types = buttons.map((button) => button.type.toUpperCase());
  for (const [type, limit] of Object.entries(BUTTON_LIMITS)) {
    if (types.filter((candidate) => candidate === type).length > limit) {
      add(`${at}.buttons`, `at most ${limit} ${type} button(s)`);
    }
  }
  // Quick replies form one group: none may sit between other buttons.
  const quick = types.map((type, index) => (type === 'QUICK_REPLY' ? index : -1)).filter((index) => index >= 0);
  if (quick.length > 0 && quick[quick.length - 1] - quick[0] + 1 !== quick.length) {
    add(`${at}.buttons`, 'QUICK_REPLY buttons must be grouped together');
  }
  buttons.forEach((button, index) => {
    const field = `${at}.buttons[${index}]`;
    const type = types[index];
    if (!(type in BUTTON_LIMITS)) {
      add(`${field}.type`, `type is one of ${Object.keys(BUTTON_LIMITS).join(', ')}`);
    }
    if (!button.text) {
      add(`${field}.text`, 'a button needs a label');
    } else if ([...button.text].length > 25) {
      add(`${field}.text`, 'a button label is at most 25 characters');
    }
    if (type === 'URL') {
      if (!button.url || !/^https?:\/\//.test(button.url)) {
        add(`${field}.url`, 'a URL button needs an http(s) url');
      } else if (button.url.length > 2000) {
        add(`${field}.url`, 'url is at most 2000 characters');
      } else {
        const variables = variablesOf(button.url);
        if (variables.length > 1 || (variables.length === 1 && !/\{\{\s*1\s*\}\}$/.test(button.url))) {
          add(`${field}.url`, 'a URL has at most one variable, {{1}}, at its end');
        }
        if (variables.length === 1 && !button.example?.length) {
          add(`${field}.example`, 'a URL with a variable needs an example');
        }
      }
    }
    if (type === 'PHONE_NUMBER' && (!button.phoneNumber || button.phoneNumber.length > 20)) {
      add(`${field}.phoneNumber`, 'a PHONE_NUMBER button needs a phone number of at most 20 characters');
    }
    if (type === 'COPY_CODE' && (!button.example?.[0] || button.example[0].length > 15)) {
      add(`${field}.example`, 'a COPY_CODE button needs an example code of at most 15 characters');
    }
  });
}

function authenticationProblems(
  component: DraftComponent,
  at: string,
  add: (field: string, message: string) => void,
): void {
  switch (component.type) {
    case 'BODY':
      if (component.text !== undefined) {
        add(`${at}.text`, 'authentication templates have Meta’s fixed body text; set addSecurityRecommendation only');
      }
      break;
    case 'FOOTER': {
      const minutes = component.codeExpirationMinutes;
      if (component.text !== undefined) {
        add(`${at}.text`, 'authentication footers carry codeExpirationMinutes, not text');
      }
      if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > 90)) {
        add(`${at}.codeExpirationMinutes`, 'codeExpirationMinutes is 1 to 90');
      }
      break;
    }
    case 'BUTTONS': {
      const buttons = component.buttons ?? [];
      if (buttons.length !== 1 || buttons[0].type.toUpperCase() !== 'OTP') {
        add(`${at}.buttons`, 'authentication templates have exactly one OTP button');
      } else if (!['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'].includes(String(buttons[0].otpType).toUpperCase())) {
        add(`${at}.buttons[0].otpType`, 'otpType is COPY_CODE, ONE_TAP or ZERO_TAP');
      }
      break;
    }
    default:
      add(`${at}.type`, 'authentication templates have BODY, FOOTER and BUTTONS only');
  }
}

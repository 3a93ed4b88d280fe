import { ValidationError } from 'class-validator';
import { AppException, FieldError } from './app.exception';

/**
 * When a field breaks several rules, the most basic one is the one worth reading:
 * "must be a string" says more than "must be shorter than 200 characters" for a number.
 */
const CONSTRAINT_PRIORITY = [
  'whitelistValidation',
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isDate',
  'isIn',
  'isEnum',
  'isNotEmpty',
];

export function mostBasicMessage(constraints: Record<string, string>): string | undefined {
  const names = Object.keys(constraints);
  const rank = (name: string) => {
    const index = CONSTRAINT_PRIORITY.indexOf(name);
    return index === -1 ? CONSTRAINT_PRIORITY.length : index;
  };
  const [first] = names.sort((a, b) => rank(a) - rank(b));
  return first === undefined ? undefined : constraints[first];
}

/** Flattens class-validator's nested tree into one entry per offending field. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const message = mostBasicMessage(error.constraints ?? {});
    const own = message === undefined ? [] : [{ field, message }];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function validationExceptionFactory(errors: ValidationError[]): AppException {
  const details = flattenValidationErrors(errors);
  const summary = details.length === 1 ? details[0].message : `${details.length} fields are invalid`;
  return AppException.validation(`Invalid request: ${summary}`, details);
}

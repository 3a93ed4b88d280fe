import { ValidationError } from 'class-validator';
import { AppException, FieldError } from './app.exception';

/** Flattens class-validator's nested tree into one entry per offending field. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

export function validationExceptionFactory(errors: ValidationError[]): AppException {
  const details = flattenValidationErrors(errors);
  const summary = details.length === 1 ? details[0].message : `${details.length} fields are invalid`;
  return AppException.validation(`Invalid request: ${summary}`, details);
}

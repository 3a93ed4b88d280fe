import { ValidationError } from 'class-validator';
import { flattenValidationErrors, validationExceptionFactory } from './validation-errors';

const error = (property: string, constraints: Record<string, string>, children: ValidationError[] = []) =>
  Object.assign(new ValidationError(), { property, constraints, children });

describe('validation errors', () => {
  it('keeps one message per field, the most basic rule first', () => {
    const details = flattenValidationErrors([
      error('name', { maxLength: 'name must be shorter', isString: 'name must be a string' }),
    ]);
    expect(details).toEqual([{ field: 'name', message: 'name must be a string' }]);
  });

  it('names nested fields by their dotted path', () => {
    const details = flattenValidationErrors([
      error('template', {}, [error('language', {}, [error('code', { isString: 'code must be a string' })])]),
    ]);
    expect(details).toEqual([{ field: 'template.language.code', message: 'code must be a string' }]);
  });

  it('summarizes one or many bad fields in the message', () => {
    expect(validationExceptionFactory([error('a', { isInt: 'a must be an integer' })]).message).toBe(
      'Invalid request: a must be an integer',
    );
    expect(validationExceptionFactory([error('a', { isInt: 'a bad' }), error('b', { isInt: 'b bad' })]).message).toBe(
      'Invalid request: 2 fields are invalid',
    );
  });
});

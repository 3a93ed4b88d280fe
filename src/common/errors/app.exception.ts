import { ERROR_STATUS, ErrorCode } from './error-code';

export interface FieldError {
  /** Dotted path of the offending field, e.g. `scopes.1` or `body` for the whole payload. */
  field: string;
  message: string;
}

/** The one exception type services throw; the global filter renders it as the error envelope. */
export class AppException extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[] | Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  static notFound(resource: string): AppException {
    return new AppException(ErrorCode.NotFound, `${resource} not found`);
  }

  static validation(message: string, details?: FieldError[]): AppException {
    return new AppException(ErrorCode.ValidationError, message, details);
  }
}

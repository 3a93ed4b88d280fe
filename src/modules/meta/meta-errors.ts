import { MetaApiError } from '@libs/meta-graph';
import { AppException, FieldError } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';

/** Meta codes that mean the caller's token or ids are wrong, not that Meta failed. */
const CALLER_INPUT_CODES = new Set([0, 10, 100, 190, 200, 803]);

/**
 * Renders a Graph API failure for our clients: wrong token or unknown Meta id are the caller's input
 * (VALIDATION_ERROR on the named field); anything else is META_ERROR (502) carrying Meta's code.
 */
export function metaFailure(error: unknown, inputField?: FieldError['field']): AppException {
  if (!(error instanceof MetaApiError)) {
    return new AppException(ErrorCode.MetaError, 'The WhatsApp Cloud API could not be reached');
  }
  if (error.kind !== 'graph') {
    return new AppException(ErrorCode.MetaError, `The WhatsApp Cloud API could not be reached: ${error.message}`, {
      retry: error.retry,
    });
  }
  const meta = { metaCode: error.code, metaSubcode: error.subcode, fbtraceId: error.fbtraceId, retry: error.retry };
  if (inputField && CALLER_INPUT_CODES.has(error.code)) {
    return new AppException(ErrorCode.ValidationError, `Meta rejected the request: ${error.message}`, [
      { field: inputField, message: `Meta error ${error.code}: ${error.message}` },
    ]);
  }
  return new AppException(ErrorCode.MetaError, `Meta error ${error.code}: ${error.message}`, meta);
}

import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-code';

const AUTH_HINT = 'send Authorization: Bearer <API key> or X-API-Token: <personal access token>';

/** Every authentication failure, worded so the caller can tell what to fix. */
export const AuthErrors = {
  missing: () => new AppException(ErrorCode.Unauthorized, `Missing credentials: ${AUTH_HINT}`),
  malformed: () =>
    new AppException(
      ErrorCode.Unauthorized,
      'Malformed credentials: expected an API key (owb_live_… or owb_test_…) or a personal access token (owb_pat_…)',
    ),
  unknown: (what: string) => new AppException(ErrorCode.Unauthorized, `Invalid ${what}: it does not exist`),
  revoked: (what: string) => new AppException(ErrorCode.Unauthorized, `This ${what} has been revoked`),
  expired: (what: string, at: Date) =>
    new AppException(ErrorCode.Unauthorized, `This ${what} expired at ${at.toISOString()}`),
  needsApiKey: () =>
    new AppException(
      ErrorCode.Forbidden,
      'This route needs an organization API key (owb_live_… or owb_test_…), not a personal access token',
    ),
  needsUserToken: () =>
    new AppException(ErrorCode.Forbidden, 'This route needs a personal access token (owb_pat_…), not an API key'),
  missingScopes: (scopes: readonly string[]) =>
    new AppException(ErrorCode.Forbidden, `This API key lacks the required scope(s): ${scopes.join(', ')}`, {
      missingScopes: scopes,
    }),
};

/**
 * How a caller should react to a failed Graph call:
 * - `now`: safe to repeat immediately, once. No Meta code qualifies (even `131059` "retry without the
 *   cursor" is a *different* request), so the classifier never returns it; it exists for callers.
 * - `later`: retry with backoff (throughput, pair rate limit, Graph rate limits, 5xx, network, timeouts).
 * - `never`: repeating the same request cannot succeed (bad input, auth, window, template problems).
 */
export type MetaRetry = 'now' | 'later' | 'never';

/** `graph`: Meta answered with an error object; `http`: a non-Graph error body; `network`/`timeout`: no answer. */
export type MetaErrorKind = 'graph' | 'network' | 'timeout' | 'http';

/** The `code` of errors that never produced a Graph error object (kinds `network`, `timeout`, `http`). */
export const NO_META_CODE = -1;

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const all = (codes: number[], retry: MetaRetry): Record<number, MetaRetry> =>
  Object.fromEntries(codes.map((code) => [code, retry]));

/**
 * Retry class per Meta error code (fact sheet §2.3: R and W rows → later, N rows → never).
 * Codes not listed fall back to the HTTP status / `is_transient` (see classifyMetaError).
 */
export const META_ERROR_RETRY: Readonly<Record<number, MetaRetry>> = Object.freeze({
  // R: transient on Meta's side or rate limits; back off and retry.
  ...all([1, 2, 4, 17, 80007, 130429, 131000, 131016, 131056, 131057, 133004], 'later'),
  // W: succeeds only after a long wait or a condition change (quality, pacing, PIN lockouts).
  ...all([131048, 131049, 131064, 132015, 132069, 133008, 133009, 133015, 133016], 'later'),
  // N: auth, permissions and account state.
  ...all([0, 3, 10, 33, 190, ...range(200, 299), 368, 130497, 131005, 131031, 131037, 131042, 131045], 'never'),
  // N: recipient problems and the customer service window (470 is its legacy On-Prem code).
  ...all([130403, 130472, 131021, 131026, 131047, 131050, 131062, 137000, 470], 'never'),
  // N: malformed requests and media. 131059 (bad template-list cursor) needs a request without the cursor.
  ...all([100, 131008, 131009, 131051, 131052, 131053, 131059, 135000], 'never'),
  // N: sending templates, Flows and payments.
  ...all([131063, 132000, 132001, 132005, 132007, 132008, 132012, 132016, 132018, 132068, 134011], 'never'),
  // N: phone number registration.
  ...all([133000, 133005, 133006, 133010], 'never'),
  // N: template management (create/edit).
  ...all([2388019, 2388039, 2388040, 2388047, 2388072, 2388073, 2388293, 2388299], 'never'),
});

/**
 * The rate limits a send can meet (reference §5): `throughput`, the phone's messages per second
 * (130429; 131057 while its throughput is being upgraded; the app's and WABA's call limits 4, 17 and
 * 80007 are met the same way, by slowing down); `pair`, messages to one customer (131056, retry
 * after 4^X seconds). Neither says anything about the message itself: it goes later, as it is.
 */
export type MetaRateLimit = 'throughput' | 'pair';

export const META_RATE_LIMITS: Readonly<Record<number, MetaRateLimit>> = Object.freeze({
  ...Object.fromEntries([4, 17, 80007, 130429, 131057].map((code) => [code, 'throughput' as const])),
  131056: 'pair',
});

export function classifyMetaError(
  code: number,
  options: { httpStatus?: number; isTransient?: boolean } = {},
): MetaRetry {
  const known = META_ERROR_RETRY[code];
  if (known) {
    return known;
  }
  const { httpStatus, isTransient } = options;
  return isTransient || (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429)) ? 'later' : 'never';
}

export interface MetaApiErrorInit {
  message: string;
  kind: MetaErrorKind;
  code?: number;
  subcode?: number;
  type?: string;
  fbtraceId?: string;
  httpStatus?: number;
  details?: string;
  isTransient?: boolean;
  retry?: MetaRetry;
  cause?: unknown;
}

/** Every failure of MetaGraphClient, whether Meta answered with an error or did not answer at all. */
export class MetaApiError extends Error {
  override readonly name = 'MetaApiError';
  readonly kind: MetaErrorKind;
  /** Meta's error code, or NO_META_CODE when there was no Graph error object. */
  readonly code: number;
  readonly subcode?: number;
  readonly type?: string;
  readonly fbtraceId?: string;
  readonly httpStatus?: number;
  /** `error_data.details`: the most specific explanation Meta gives. */
  readonly details?: string;
  readonly isTransient?: boolean;
  readonly retry: MetaRetry;

  /** The rate limit this error reports, if it is one. */
  get rateLimit(): MetaRateLimit | undefined {
    return this.kind === 'graph' ? META_RATE_LIMITS[this.code] : undefined;
  }

  constructor(init: MetaApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.code = init.code ?? NO_META_CODE;
    this.subcode = init.subcode;
    this.type = init.type;
    this.fbtraceId = init.fbtraceId;
    this.httpStatus = init.httpStatus;
    this.details = init.details;
    this.isTransient = init.isTransient;
    this.retry =
      init.retry ??
      (init.kind === 'graph'
        ? classifyMetaError(this.code, { httpStatus: init.httpStatus, isTransient: init.isTransient })
        : classifyMetaError(NO_META_CODE, { httpStatus: init.httpStatus }));
  }

  /** Builds the error from a Graph response body `{ error: { code, message, ... } }`, or from any other body. */
  static fromGraphBody(httpStatus: number, body: unknown): MetaApiError {
    const error = isObject(body) && isObject(body.error) ? body.error : undefined;
    if (!error || typeof error.code !== 'number') {
      return new MetaApiError({
        kind: 'http',
        httpStatus,
        message: `Graph API answered HTTP ${httpStatus} without an error object`,
        details: typeof body === 'string' && body ? body.slice(0, 500) : undefined,
      });
    }
    const errorData = error.error_data;
    return new MetaApiError({
      kind: 'graph',
      httpStatus,
      code: error.code,
      message: typeof error.message === 'string' ? error.message : `Graph API error ${error.code}`,
      subcode: typeof error.error_subcode === 'number' ? error.error_subcode : undefined,
      type: typeof error.type === 'string' ? error.type : undefined,
      fbtraceId: typeof error.fbtrace_id === 'string' ? error.fbtrace_id : undefined,
      // error_data is an object on Cloud API errors but a plain string on some older Graph errors.
      details: isObject(errorData) && typeof errorData.details === 'string' ? errorData.details : asString(errorData),
      isTransient: typeof error.is_transient === 'boolean' ? error.is_transient : undefined,
    });
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof MetaApiError && error.retry !== 'never';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

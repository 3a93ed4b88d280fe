import {
  classifyMetaError,
  isRetryable,
  META_ERROR_RETRY,
  MetaApiError,
  MetaRetry,
  NO_META_CODE,
} from './meta-api-error';

/** Fact sheet §2.3, row by row: R and W rows retry later, N rows never. Edit only together with the reference. */
const REFERENCE_TABLE: [code: number, retry: MetaRetry][] = [
  [0, 'never'],
  [1, 'later'],
  [2, 'later'],
  [3, 'never'],
  [4, 'later'],
  [10, 'never'],
  [33, 'never'],
  [100, 'never'],
  [190, 'never'],
  ...Array.from({ length: 100 }, (_, i): [number, MetaRetry] => [200 + i, 'never']),
  [368, 'never'],
  [80007, 'later'],
  [130403, 'never'],
  [130429, 'later'],
  [130472, 'never'],
  [130497, 'never'],
  [131000, 'later'],
  [131005, 'never'],
  [131008, 'never'],
  [131009, 'never'],
  [131016, 'later'],
  [131021, 'never'],
  [131026, 'never'],
  [131031, 'never'],
  [131037, 'never'],
  [131042, 'never'],
  [131045, 'never'],
  [131047, 'never'],
  [131048, 'later'],
  [131049, 'later'],
  [131050, 'never'],
  [131051, 'never'],
  [131052, 'never'],
  [131053, 'never'],
  [131056, 'later'],
  [131057, 'later'],
  [131059, 'never'],
  [131062, 'never'],
  [131063, 'never'],
  [131064, 'later'],
  [132000, 'never'],
  [132001, 'never'],
  [132005, 'never'],
  [132007, 'never'],
  [132008, 'never'],
  [132012, 'never'],
  [132015, 'later'],
  [132016, 'never'],
  [132018, 'never'],
  [132068, 'never'],
  [132069, 'later'],
  [133000, 'never'],
  [133004, 'later'],
  [133005, 'never'],
  [133006, 'never'],
  [133008, 'later'],
  [133009, 'later'],
  [133010, 'never'],
  [133015, 'later'],
  [133016, 'later'],
  [134011, 'never'],
  [135000, 'never'],
  [137000, 'never'],
  [470, 'never'],
  // Template management.
  [2388019, 'never'],
  [2388039, 'never'],
  [2388040, 'never'],
  [2388047, 'never'],
  [2388072, 'never'],
  [2388073, 'never'],
  [2388293, 'never'],
  [2388299, 'never'],
];

describe('META_ERROR_RETRY', () => {
  it.each(REFERENCE_TABLE)('classifies %i as %s whatever the HTTP status', (code, retry) => {
    expect(META_ERROR_RETRY[code]).toBe(retry);
    expect(classifyMetaError(code, { httpStatus: 500, isTransient: true })).toBe(retry);
    expect(classifyMetaError(code, { httpStatus: 400 })).toBe(retry);
  });

  it('never answers "now" for a Meta code', () => {
    expect(Object.values(META_ERROR_RETRY)).not.toContain('now');
  });
});

describe('classifyMetaError for unknown codes', () => {
  it.each([
    [500, undefined, 'later'],
    [503, undefined, 'later'],
    [429, undefined, 'later'],
    [400, undefined, 'never'],
    [404, undefined, 'never'],
    [400, true, 'later'],
    [undefined, undefined, 'never'],
  ] as const)('HTTP %s, is_transient %s → %s', (httpStatus, isTransient, retry) => {
    expect(classifyMetaError(999_999, { httpStatus, isTransient })).toBe(retry);
  });
});

describe('MetaApiError.fromGraphBody', () => {
  it("parses Meta's error object with subcode", () => {
    const error = MetaApiError.fromGraphBody(400, {
      error: {
        message: '(#130429) Rate limit hit',
        type: 'OAuthException',
        code: 130429,
        error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' },
        error_subcode: 2494055,
        fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      },
    });
    expect(error).toBeInstanceOf(MetaApiError);
    expect(error).toMatchObject({
      name: 'MetaApiError',
      kind: 'graph',
      code: 130429,
      subcode: 2494055,
      type: 'OAuthException',
      fbtraceId: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      httpStatus: 400,
      details: 'Cloud API message throughput has been reached.',
      message: '(#130429) Rate limit hit',
      retry: 'later',
    });
    expect(error.isTransient).toBeUndefined();
    expect(isRetryable(error)).toBe(true);
  });

  it('tolerates a missing subcode and reads is_transient', () => {
    const error = MetaApiError.fromGraphBody(429, {
      error: { message: 'Application request limit reached', type: 'OAuthException', code: 17, is_transient: true },
    });
    expect(error).toMatchObject({ kind: 'graph', code: 17, isTransient: true, retry: 'later' });
    expect(error.subcode).toBeUndefined();
    expect(error.fbtraceId).toBeUndefined();
  });

  it('uses is_transient for a code outside the table', () => {
    const body = (isTransient: boolean) => ({ error: { message: 'x', code: 424242, is_transient: isTransient } });
    expect(MetaApiError.fromGraphBody(400, body(true)).retry).toBe('later');
    expect(MetaApiError.fromGraphBody(400, body(false)).retry).toBe('never');
  });

  it('marks a non-retryable code', () => {
    const error = MetaApiError.fromGraphBody(400, {
      error: {
        message: '(#131047) Re-engagement message',
        code: 131047,
        error_data: { details: 'More than 24 hours' },
      },
    });
    expect(error).toMatchObject({ code: 131047, retry: 'never' });
    expect(isRetryable(error)).toBe(false);
  });

  it('turns a body without an error object into an http error', () => {
    const gateway = MetaApiError.fromGraphBody(502, '<html>Bad Gateway</html>');
    expect(gateway).toMatchObject({ kind: 'http', code: NO_META_CODE, httpStatus: 502, retry: 'later' });
    expect(MetaApiError.fromGraphBody(404, { nope: true })).toMatchObject({ kind: 'http', retry: 'never' });
  });
});

describe('isRetryable', () => {
  it('is false for anything that is not a MetaApiError', () => {
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });

  it('is true for network failures', () => {
    expect(isRetryable(new MetaApiError({ kind: 'network', message: 'ECONNRESET', retry: 'later' }))).toBe(true);
  });
});

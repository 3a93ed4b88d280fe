import { MetaApiError } from '@libs/meta-graph';
import { MAX_RATE_LIMIT_DELAY_MS, nextStep } from './send-retry';

const sending = { maxAttempts: 3, retryDelayMs: 100, rateLimitBackoffMs: 1000, rateLimitMaxWaitMs: 3_600_000 };
const now = Date.parse('2026-12-04T12:00:00Z');
const rateLimitedSince = null;
const graphError = (code: number, httpStatus = 400) =>
  new MetaApiError({ kind: 'graph', code, httpStatus, message: `(#${code}) error` });
/** No jitter: the delays are the bare backoff. */
const noJitter = () => 0;
const fullJitter = () => 1;

describe('nextStep after a failed send', () => {
  it('fails at once on an error that will not pass', () => {
    expect(nextStep(graphError(131026), { attempts: 1, rateLimited: 0, rateLimitedSince }, sending, now)).toEqual({
      kind: 'fail',
    });
  });

  it('retries an error that may pass after a doubling backoff, up to the attempts that count', () => {
    const serverError = graphError(131000, 500);
    const step = (attempts: number, rateLimited = 0) =>
      nextStep(serverError, { attempts, rateLimited, rateLimitedSince }, sending, now, noJitter);
    expect(step(1)).toEqual({ kind: 'retry', delayMs: 100, rateLimited: false });
    expect(step(2)).toEqual({ kind: 'retry', delayMs: 200, rateLimited: false });
    expect(step(3)).toEqual({ kind: 'fail' });
    // Rate-limited attempts do not count: five attempts of which three were rate limited are two.
    expect(step(5, 3)).toEqual({ kind: 'retry', delayMs: 200, rateLimited: false });
    // Jitter takes up to half off, never adds.
    expect(nextStep(serverError, { attempts: 2, rateLimited: 0, rateLimitedSince }, sending, now, fullJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
      rateLimited: false,
    });
  });

  it('retries a network error like one that may pass', () => {
    const error = new MetaApiError({ kind: 'network', retry: 'later', message: 'Graph API unreachable: ECONNRESET' });
    expect(nextStep(error, { attempts: 1, rateLimited: 0, rateLimitedSince }, sending, now, noJitter)).toEqual({
      kind: 'retry',
      delayMs: 100,
      rateLimited: false,
    });
  });

  it('reschedules the pair rate limit after 4^X seconds, whatever the attempts, never sooner', () => {
    const step = (rateLimited: number, random = noJitter) =>
      nextStep(graphError(131056), { attempts: 10 + rateLimited, rateLimited, rateLimitedSince }, sending, now, random);
    expect([0, 1, 2, 3].map((hits) => step(hits))).toEqual(
      [1000, 4000, 16_000, 64_000].map((delayMs) => ({ kind: 'retry', delayMs, rateLimited: true })),
    );
    // Jitter only adds, up to half.
    expect(step(1, fullJitter)).toEqual({ kind: 'retry', delayMs: 6000, rateLimited: true });
    expect(step(9)).toEqual({ kind: 'retry', delayMs: MAX_RATE_LIMIT_DELAY_MS, rateLimited: true });
  });

  it.each([130429, 131057, 80007, 4, 17])('reschedules throughput error %i after 2^X seconds', (code) => {
    const step = (rateLimited: number) =>
      nextStep(graphError(code), { attempts: 1 + rateLimited, rateLimited, rateLimitedSince }, sending, now, noJitter);
    expect([0, 1, 2].map(step)).toEqual(
      [1000, 2000, 4000].map((delayMs) => ({ kind: 'retry', delayMs, rateLimited: true })),
    );
  });

  it('fails a rate-limited message that would wait past the longest wait since it was first rate limited', () => {
    const limits = { ...sending, rateLimitMaxWaitMs: 20_000 };
    const at = (firstRateLimitedMsAgo: number | null, rateLimited: number) =>
      nextStep(
        graphError(131056),
        {
          attempts: rateLimited + 1,
          rateLimited,
          rateLimitedSince: firstRateLimitedMsAgo === null ? null : new Date(now - firstRateLimitedMsAgo),
        },
        limits,
        now,
        noJitter,
      );
    expect(at(3_000, 2)).toEqual({ kind: 'retry', delayMs: 16_000, rateLimited: true });
    expect(at(5_000, 2)).toEqual({ kind: 'fail' });
    // The first rate limit starts the clock, however long the message waited before (a paced backlog).
    expect(at(null, 0)).toEqual({ kind: 'retry', delayMs: 1000, rateLimited: true });
  });

  it('never waits longer than the longest single wait, jitter included', () => {
    const step = nextStep(
      graphError(131056),
      { attempts: 8, rateLimited: 7, rateLimitedSince: new Date(now) },
      sending,
      now,
      fullJitter,
    );
    expect(step).toEqual({ kind: 'retry', delayMs: MAX_RATE_LIMIT_DELAY_MS, rateLimited: true });
  });
});

import { MetaApiError } from '@libs/meta-graph';
import type { AppConfig } from '../../../config/app-config';

/**
 * Meta counts a phone's throughput per second: after a throughput error, the phone's later sends
 * move back this long.
 */
export const THROUGHPUT_PAUSE_MS = 1000;
/** The longest single wait before a rate-limited message goes again, jitter included (4^X seconds grows fast). */
export const MAX_RATE_LIMIT_DELAY_MS = 15 * 60_000;

/** A message whose attempt just failed. */
export interface FailedAttempt {
  /** Times it was handed to Meta, this attempt included. */
  attempts: number;
  /** Of the earlier attempts, those Meta refused for a rate limit. */
  rateLimited: number;
  /** When Meta first refused it for a rate limit (null: never yet). */
  rateLimitedSince: Date | null;
}

/** What becomes of it: queued again after `delayMs` (`rateLimited`: the attempt does not count), or failed. */
export type NextStep = { kind: 'retry'; delayMs: number; rateLimited: boolean } | { kind: 'fail' };

/**
 * After a failed attempt:
 * - a rate limit (the phone's throughput, or the pair rate to this customer) reschedules the message
 *   without using up an attempt: after 4^X seconds for the pair rate (Meta's advice, X the rate-limited
 *   attempts so far), 2^X for throughput, from `rateLimitBackoffMs`, up to 50% more as jitter; the
 *   message fails with Meta's code only once it would wait past `rateLimitMaxWaitMs` since Meta first
 *   refused it for a rate limit (a message long in a paced backlog gets the whole wait too);
 * - another error that may pass retries after an exponential backoff from `retryDelayMs` (50–100% of
 *   it, as jitter), up to `maxAttempts` attempts that count;
 * - an error that will not pass fails the message.
 */
export function nextStep(
  error: unknown,
  attempt: FailedAttempt,
  sending: AppConfig['sending'],
  now = Date.now(),
  random = Math.random,
): NextStep {
  if (error instanceof MetaApiError && error.retry === 'never') {
    return { kind: 'fail' };
  }
  const rateLimit = error instanceof MetaApiError ? error.rateLimit : undefined;
  if (rateLimit) {
    const backoff = sending.rateLimitBackoffMs * (rateLimit === 'pair' ? 4 : 2) ** attempt.rateLimited;
    const delayMs = Math.round(Math.min(backoff * (1 + random() / 2), MAX_RATE_LIMIT_DELAY_MS));
    const waitedMs = now + delayMs - (attempt.rateLimitedSince?.getTime() ?? now);
    return waitedMs > sending.rateLimitMaxWaitMs ? { kind: 'fail' } : { kind: 'retry', delayMs, rateLimited: true };
  }
  const counted = attempt.attempts - attempt.rateLimited;
  if (counted >= sending.maxAttempts) {
    return { kind: 'fail' };
  }
  return {
    kind: 'retry',
    delayMs: Math.round(sending.retryDelayMs * 2 ** (counted - 1) * (1 - random() / 2)),
    rateLimited: false,
  };
}

import { GraphError, GraphErrors } from '../graph/graph-error';

/**
 * Phone numbers that make the sandbox fail the way Meta does, so failure paths can be tested.
 * `sync` failures answer the send call with Meta's error object; `async` ones accept the send
 * (200 + wamid) and then deliver a `failed` status webhook carrying the error, as Meta does.
 */
export const MAGIC_RECIPIENTS = {
  /** Not on WhatsApp: accepted, then a `failed` status with 131026. */
  undeliverable: '15550001001',
  /** Always outside the customer service window: non-template sends fail with 131047 (status webhook). */
  outsideWindow: '15550001002',
  /** Every send answers 130429 (throughput exceeded). */
  throughputExceeded: '15550001003',
  /** Every send answers 131056 (pair rate limit). */
  pairRateLimited: '15550001004',
  /** The first send from each phone answers 500 with 131000 (transient); later ones succeed. */
  serverErrorOnce: '15550001005',
  /** Every send answers 100 (invalid parameter). */
  invalidParameter: '15550001006',
  /** Delivered but never read: `sent` and `delivered` only. */
  neverReads: '15550001007',
  /** The first four sends from each phone answer 130429 (throughput exceeded); later ones succeed. */
  throughputExceededFourTimes: '15550001008',
  /** The first four sends from each phone answer 131056 (pair rate limit); later ones succeed. */
  pairRateLimitedFourTimes: '15550001009',
  /** Every send answers 500 with 131000 (transient), as a Meta outage would. */
  serverErrorAlways: '15550001010',
} as const;

/** Sends a `…FourTimes` recipient refuses before it accepts. */
const SCRIPTED_REFUSALS = 4;

export type MagicBehaviour =
  { kind: 'sync'; error: GraphError } | { kind: 'async'; error: GraphError } | { kind: 'no-read' } | { kind: 'none' };

/** `refusedBefore`: how many sends from this phone to `to` the sandbox already refused by script. */
export function magicBehaviour(to: string | undefined, isTemplate: boolean, refusedBefore: number): MagicBehaviour {
  if (to === undefined) {
    return { kind: 'none' };
  }
  switch (to) {
    case MAGIC_RECIPIENTS.undeliverable:
      return { kind: 'async', error: GraphErrors.undeliverable() };
    case MAGIC_RECIPIENTS.outsideWindow:
      return isTemplate ? { kind: 'none' } : { kind: 'async', error: GraphErrors.reEngagement() };
    case MAGIC_RECIPIENTS.throughputExceeded:
      return { kind: 'sync', error: GraphErrors.throughputExceeded() };
    case MAGIC_RECIPIENTS.pairRateLimited:
      return { kind: 'sync', error: GraphErrors.pairRateLimit() };
    case MAGIC_RECIPIENTS.serverErrorOnce:
      return refusedBefore === 0 ? { kind: 'sync', error: GraphErrors.sendFailed() } : { kind: 'none' };
    case MAGIC_RECIPIENTS.serverErrorAlways:
      return { kind: 'sync', error: GraphErrors.sendFailed() };
    case MAGIC_RECIPIENTS.throughputExceededFourTimes:
      return refusedBefore < SCRIPTED_REFUSALS
        ? { kind: 'sync', error: GraphErrors.throughputExceeded() }
        : { kind: 'none' };
    case MAGIC_RECIPIENTS.pairRateLimitedFourTimes:
      return refusedBefore < SCRIPTED_REFUSALS
        ? { kind: 'sync', error: GraphErrors.pairRateLimit() }
        : { kind: 'none' };
    case MAGIC_RECIPIENTS.invalidParameter:
      return {
        kind: 'sync',
        error: GraphErrors.invalidParameter('Param to was rejected by the sandbox (magic recipient).'),
      };
    case MAGIC_RECIPIENTS.neverReads:
      return { kind: 'no-read' };
    default:
      return { kind: 'none' };
  }
}

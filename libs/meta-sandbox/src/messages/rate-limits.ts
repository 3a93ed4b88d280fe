import type { ThroughputLevel } from '../types';

const MESSAGES_PER_SECOND: Record<ThroughputLevel, number> = { STANDARD: 80, HIGH: 1000 };
/** Pair rate limit: one message per 6 s to the same user, bursts of up to 45 borrowed from later. */
const PAIR_BURST = 45;
const PAIR_REFILL_MS = 6000;

/** Meta's per-number throughput (§5.1) and per-pair rate (§5.2), as token buckets. */
export class RateLimits {
  private readonly throughput = new Map<string, { tokens: number; at: number }>();
  private readonly pairs = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one message from the phone's per-second budget (inbound and outbound both count). */
  takeThroughput(phoneId: string, level: ThroughputLevel): boolean {
    const rate = MESSAGES_PER_SECOND[level];
    return this.take(this.throughput, phoneId, rate, 1000 / rate);
  }

  takePair(phoneId: string, customerKey: string): boolean {
    return this.take(this.pairs, `${phoneId}:${customerKey}`, PAIR_BURST, PAIR_REFILL_MS);
  }

  private take(
    buckets: Map<string, { tokens: number; at: number }>,
    key: string,
    capacity: number,
    refillMs: number,
  ): boolean {
    const now = this.now();
    const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) / refillMs);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }
}

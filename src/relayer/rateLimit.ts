/** A refused take: how long until a token is there again. */
export type RateLimitResult = { ok: true } | { ok: false; retryAfterMs: number };

export type RateLimiter = {
  /** Takes `cost` tokens (1 unless given), or none when fewer are there. */
  take(key: string, now?: number, cost?: number): RateLimitResult;
  /** Gives `amount` tokens back to `key`, up to the burst: a charge that turned out not to be spent. */
  refund(key: string, amount: number, now?: number): void;
  /** Whether `take` would succeed now, without taking: to refuse early, and charge only later. */
  peek(key: string, now?: number): RateLimitResult;
  /** Keys currently tracked (bounded by `maxKeys`). */
  readonly size: number;
};

export type CreateRateLimiterParameters = {
  /** Tokens added per second. */
  rate: number;
  /** Most tokens a key can hold: the burst it may send at once. */
  burst: number;
  /**
   * Most keys tracked at once. When full, the least recently used key is
   * forgotten (it starts again with a full bucket), so a flood of new keys
   * cannot grow memory without bound. @default 100_000
   */
  maxKeys?: number | undefined;
};

/**
 * Token buckets by key (a client address, or a session and party): each key
 * may send `burst` at once and `rate` per second after that.
 *
 * @example
 * const perClient = createRateLimiter({ rate: 50, burst: 200 });
 * const result = perClient.take("127.0.0.1");
 * if (!result.ok) respond429(Math.ceil(result.retryAfterMs / 1000));
 */
export function createRateLimiter({
  rate,
  burst,
  maxKeys = 100_000,
}: CreateRateLimiterParameters): RateLimiter {
  // Map keeps insertion order; re-inserting on each use makes the first key the least recently used.
  const buckets = new Map<string, { tokens: number; updated: number }>();
  const refusal = (tokens: number, cost = 1): RateLimitResult => ({
    ok: false,
    retryAfterMs: ((cost - tokens) / rate) * 1000,
  });
  return {
    peek(key, now = Date.now()) {
      const bucket = buckets.get(key);
      if (bucket === undefined) return { ok: true };
      const tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
      return tokens >= 1 ? { ok: true } : refusal(tokens);
    },
    take(key, now = Date.now(), cost = 1) {
      const bucket = buckets.get(key) ?? { tokens: burst, updated: now };
      buckets.delete(key);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
      bucket.updated = now;
      let result: RateLimitResult;
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        result = { ok: true };
      } else {
        // A cost over the burst can never be paid: say so with an infinite wait.
        result =
          cost > burst
            ? { ok: false, retryAfterMs: Number.POSITIVE_INFINITY }
            : refusal(bucket.tokens, cost);
      }
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      buckets.set(key, bucket);
      return result;
    },
    refund(key, amount, now = Date.now()) {
      const bucket = buckets.get(key);
      if (bucket === undefined) return;
      bucket.tokens = Math.min(
        burst,
        bucket.tokens + ((now - bucket.updated) / 1000) * rate + amount,
      );
      bucket.updated = now;
    },
    get size() {
      return buckets.size;
    },
  };
}

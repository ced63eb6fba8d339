/** A refused take: how long until a token is there again. */
export type RateLimitResult = { ok: true } | { ok: false; retryAfterMs: number };

export type RateLimiter = {
  take(key: string, now?: number): RateLimitResult;
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
  const refusal = (tokens: number): RateLimitResult => ({
    ok: false,
    retryAfterMs: ((1 - tokens) / rate) * 1000,
  });
  return {
    peek(key, now = Date.now()) {
      const bucket = buckets.get(key);
      if (bucket === undefined) return { ok: true };
      const tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
      return tokens >= 1 ? { ok: true } : refusal(tokens);
    },
    take(key, now = Date.now()) {
      const bucket = buckets.get(key) ?? { tokens: burst, updated: now };
      buckets.delete(key);
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
      bucket.updated = now;
      let result: RateLimitResult;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        result = { ok: true };
      } else {
        result = refusal(bucket.tokens);
      }
      if (buckets.size >= maxKeys) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      buckets.set(key, bucket);
      return result;
    },
    get size() {
      return buckets.size;
    },
  };
}

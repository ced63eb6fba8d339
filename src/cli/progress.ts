import type { Logger } from "./output.js";

/** How long work may run before it is announced: below this, nobody wonders what is going on. */
export const noticeableMs = 200;

/**
 * Runs `work`, and says `message` (an info line on stderr, never stdout) if it is still running
 * after `afterMs`: scrypt or a chain start take seconds, and a silent terminal looks hung.
 * @example
 * ```ts
 * const key = await announceIfSlow(log, "Decrypting key file alice.json (scrypt) …", () => readKeyFile(path, password));
 * ```
 */
export async function announceIfSlow<T>(
  log: Logger,
  message: string,
  work: () => Promise<T>,
  afterMs: number = noticeableMs,
): Promise<T> {
  const timer = setTimeout(() => log.info(message), afterMs);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}

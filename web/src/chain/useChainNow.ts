import { useEffect, useState } from "preact/hooks";
import type { RoundtablePublicClient } from "../../../src/sdk/actions/internal.js";

/**
 * The chain's clock: the latest block's timestamp plus the local time since it was read. Deadlines
 * are the contract's, so they are counted by this clock, never by the computer's own.
 */
export function useChainNow(
  publicClient: RoundtablePublicClient | undefined,
  refreshMs = 5_000,
): number | undefined {
  const [anchor, setAnchor] = useState<{ chain: number; local: number }>();
  const [, tick] = useState(0);
  useEffect(() => {
    if (publicClient === undefined) return;
    let live = true;
    const read = () =>
      publicClient
        .getBlock({ blockTag: "latest" })
        .then(
          (block) =>
            live && setAnchor({ chain: Number(block.timestamp), local: Date.now() / 1000 }),
        )
        .catch(() => {});
    void read();
    const reads = setInterval(read, refreshMs);
    const ticks = setInterval(() => tick((n) => n + 1), 1_000);
    return () => {
      live = false;
      clearInterval(reads);
      clearInterval(ticks);
    };
  }, [publicClient]);
  return anchor === undefined ? undefined : anchor.chain + (Date.now() / 1000 - anchor.local);
}

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type RelayerMetrics = ReturnType<typeof createRelayerMetrics>;

/**
 * The relayer's Prometheus metrics, in a registry of its own (not prom-client's
 * global one), so that several relayers in one process do not collide.
 *
 * @example
 * const metrics = createRelayerMetrics({ queueDepth: () => store.openCount() });
 * metrics.batches.inc();
 * const text = await metrics.registry.metrics();
 */
export function createRelayerMetrics({ queueDepth }: { queueDepth: () => number }) {
  const registry = new Registry();
  // The process's own figures (resident memory, heap, event-loop lag, open handles), prefixed.
  collectDefaultMetrics({ register: registry, prefix: "roundtable_relayer_" });
  return {
    registry,
    requests: new Counter({
      name: "roundtable_relayer_http_requests_total",
      help: "HTTP requests by route and status code",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    acceptLatency: new Histogram({
      name: "roundtable_relayer_accept_seconds",
      help: "Time to answer POST /v1/actions, by outcome (accepted or the error code)",
      labelNames: ["outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "roundtable_relayer_queue_depth",
      help: "Actions accepted and not yet mined (queued or sent)",
      registers: [registry],
      collect() {
        this.set(queueDepth());
      },
    }),
    batchesInFlight: new Gauge({
      name: "roundtable_relayer_batches_in_flight",
      help: "Batch transactions sent and not yet mined (at most --max-in-flight, more only to fill a nonce gap)",
      registers: [registry],
    }),
    batches: new Counter({
      name: "roundtable_relayer_batches_sent_total",
      help: "Batch transactions sent (a replacement of one is not counted again)",
      registers: [registry],
    }),
    items: new Counter({
      name: "roundtable_relayer_items_total",
      help: "Batch items by outcome: included, skipped, rejected, or requeued (reverted batch or reorg)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    replacements: new Counter({
      name: "roundtable_relayer_replacements_total",
      help: "Transactions replaced with higher fees, or rebroadcast after the node dropped them",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    walletParties: new Counter({
      name: "roundtable_relayer_wallet_party_actions_total",
      help: "Contract-wallet parties' actions by signer: wallet (its own ERC-1271, traced), delegate (ECDSA, an ordinary item), account (its own key, as an EIP-7702 account: an ordinary item), not-delegate (refused)",
      labelNames: ["signer"] as const,
      registers: [registry],
    }),
    reorgs: new Counter({
      name: "roundtable_relayer_reorgs_total",
      help: "Mined batches whose block left the chain",
      registers: [registry],
    }),
  };
}
